import { decimalToMicros, MICROS_PER_UNIT, microsToDecimal } from '../../../domain/money';

describe('money: decimal text to integer micros', () => {
  it.each([
    ['12.5', 12_500_000],
    ['12.50', 12_500_000],
    ['0', 0],
    ['0.000001', 1],
    ['1.000000', 1_000_000],
    ['123456.654321', 123_456_654_321],
    ['-1.5', -1_500_000],
    ['-0.000001', -1],
    ['  7.25  ', 7_250_000],
  ])('%j is %d micros', (text, micros) => {
    expect(decimalToMicros(text)).toBe(micros);
  });

  it('adds exactly where floats do not: 0.1 + 0.2 is 0.3', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    const sum = (decimalToMicros('0.1') ?? NaN) + (decimalToMicros('0.2') ?? NaN);
    expect(sum).toBe(decimalToMicros('0.3'));
    expect(sum).toBe(300_000);
  });

  it('scales without float rounding: 1.005 stays exact where float scaling truncates', () => {
    expect(Math.trunc(1.005 * MICROS_PER_UNIT)).toBe(1_004_999);
    expect(decimalToMicros('1.005')).toBe(1_005_000);
    expect(decimalToMicros('4.35')).toBe(4_350_000);
    expect(decimalToMicros('0.29')).toBe(290_000);
  });

  it.each([
    ['7 fraction digits', '0.1234567'],
    ['empty', ''],
    ['no integer part', '.5'],
    ['trailing dot', '5.'],
    ['explicit plus', '+5'],
    ['exponent', '1e3'],
    ['thousands separator', '1,000.00'],
    ['decimal comma', '12,50'],
    ['currency sign', '$12.50'],
    ['text', 'twelve'],
    ['13 integer digits', '1234567890123'],
    ['double minus', '--1'],
  ])('refuses %s (%j)', (_label, text) => {
    expect(decimalToMicros(text)).toBeUndefined();
  });

  it('accepts exactly 6 fraction digits and refuses the 7th', () => {
    expect(decimalToMicros('9.999999')).toBe(9_999_999);
    expect(decimalToMicros('9.9999990')).toBeUndefined();
  });
});

describe('money: micros to decimal text', () => {
  it.each([
    [12_500_000, '12.500000'],
    [0, '0.000000'],
    [1, '0.000001'],
    [999_999, '0.999999'],
    [1_000_000, '1.000000'],
    [-1, '-0.000001'],
    [-1_500_000, '-1.500000'],
    [123_456_654_321, '123456.654321'],
  ])('%d micros is %j', (micros, text) => {
    expect(microsToDecimal(micros)).toBe(text);
  });

  it('round-trips through decimalToMicros', () => {
    for (const micros of [0, 1, -1, 42, 1_000_000, -987_654_321, 1_000_000_000_000]) {
      expect(decimalToMicros(microsToDecimal(micros))).toBe(micros);
    }
  });
});
