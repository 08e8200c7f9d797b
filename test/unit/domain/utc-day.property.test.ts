import fc from 'fast-check';
import { utcDayOf } from '../../../domain';

/** the plain definition the cached one must equal */
const reference = (ms: number) => {
  const d = new Date(ms);
  return {
    iso: d.toISOString().slice(0, 10),
    key: d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate(),
  };
};

describe('utcDayOf', () => {
  it('is the UTC day Date gives, for any time a Date holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), (ms) => {
        expect(utcDayOf(ms)).toEqual(reference(ms));
      }),
      { numRuns: 2000 },
    );
  });

  it('is right at the edges of a day, either side of the epoch', () => {
    for (const ms of [0, -1, 86_399_999, 86_400_000, Date.UTC(2026, 11, 31, 23, 59, 59, 999)])
      expect(utcDayOf(ms)).toEqual(reference(ms));
    expect(utcDayOf(Date.UTC(2026, 0, 1) - 1)).toEqual({ iso: '2025-12-31', key: 20251231 });
  });

  it('throws as Date does on a time no Date holds', () => {
    for (const ms of [NaN, Infinity, -Infinity, 8.64e15 + 1, -8.64e15 - 1])
      expect(() => utcDayOf(ms)).toThrow(RangeError);
  });
});
