import { pipelineRules } from '../../../domain/rules';
import { validateRecord } from '../../../domain/validate-record';
import {
  clickFieldsV1,
  clickFieldsV2,
  iso,
  NOW,
  rejectionOf,
  sourceRecord,
  T0,
} from '../../support/domain-fixtures';

const rules = pipelineRules();
const row = (fields: unknown) => sourceRecord('click_or_conversion', fields);
const validate = (fields: unknown) => validateRecord(row(fields), NOW, rules);

describe('click/conversion CSV validation: accepted shapes', () => {
  it('accepts a v1 click row (9 columns) with empty optional columns', () => {
    const fields = clickFieldsV1({ ad_id: '', publisher_id: '', impression_id: '' });
    expect(fields).toHaveLength(9);
    expect(validate(fields)).toMatchObject({
      ok: true,
      event: { eventType: 'click', eventTime: T0 },
    });
  });

  it('accepts a v2 click row (11 columns) with device_type and country', () => {
    const fields = clickFieldsV2({ impression_id: 'imp-9' });
    expect(fields).toHaveLength(11);
    expect(validate(fields)).toMatchObject({
      ok: true,
      event: { deviceType: 'desktop', country: 'FR', impressionId: 'imp-9' },
    });
  });

  it('accepts a v2 row whose v2 columns are empty, like a v1 row', () => {
    expect(validate(clickFieldsV2({ device_type: '', country: '' })).ok).toBe(true);
  });

  it.each(['12.50', '0', '0.000001', '1000000', '999999.999999'])(
    'accepts a conversion with revenue %j',
    (revenue) => {
      expect(validate(clickFieldsV1({ event_type: 'conversion', revenue })).ok).toBe(true);
    },
  );

  it('accepts a conversion without revenue', () => {
    expect(validate(clickFieldsV1({ event_type: 'conversion', revenue: '' })).ok).toBe(true);
  });

  it('accepts epoch milliseconds as text', () => {
    const result = validate(clickFieldsV1({ timestamp: String(T0) }));
    expect(result).toMatchObject({ ok: true, event: { eventTime: T0 } });
  });
});

describe('click/conversion CSV validation: rejections with reason and path', () => {
  it.each([0, 1, 8, 10, 12, 20])('a row of %d columns is corrupt_payload', (count) => {
    const fields = Array.from({ length: count }, (_, i) => clickFieldsV2()[i] ?? 'x');
    expect(rejectionOf(row(fields))).toMatchObject({ reason: 'corrupt_payload', path: '' });
  });

  it.each(['event_type', 'event_id', 'timestamp', 'user_id', 'campaign_id'] as const)(
    'an empty %s column is missing_field at that path',
    (column) => {
      expect(rejectionOf(row(clickFieldsV1({ [column]: '' })))).toMatchObject({
        reason: 'missing_field',
        path: column,
      });
    },
  );

  it.each([
    ['event_type', 'view'],
    ['event_type', 'CLICK'],
    ['event_id', 'clk\r1'],
    ['campaign_id', 'c'.repeat(65)],
    ['impression_id', 'i'.repeat(129)],
    ['timestamp', 'yesterday'],
    ['timestamp', 'x'.repeat(41)],
    ['revenue', '-1.00'],
    ['revenue', '12.5.0'],
    ['revenue', '1.1234567'],
    ['revenue', '1000000.000001'],
    ['revenue', '12,50'],
    ['device_type', 'MOBILE'],
    ['country', 'fr'],
  ] as const)('%s = %j is invalid_value', (column, value) => {
    expect(
      rejectionOf(row(clickFieldsV2({ event_type: 'conversion', [column]: value }))),
    ).toMatchObject({ reason: 'invalid_value', path: column });
  });

  it('validates revenue on a click too, even though a click carries none', () => {
    expect(rejectionOf(row(clickFieldsV1({ revenue: 'abc' })))).toMatchObject({
      reason: 'invalid_value',
      path: 'revenue',
    });
  });

  it('a field that is not text is invalid_type at its column', () => {
    const fields: unknown[] = clickFieldsV1();
    fields[3] = 42;
    expect(rejectionOf(row(fields))).toMatchObject({ reason: 'invalid_type', path: 'user_id' });
  });

  it.each([[{ event_type: 'click' }], ['click,clk-1'], [null], [7]])(
    'a payload that is not a list of CSV fields (%j) is invalid_type at the root',
    (value) => {
      expect(rejectionOf(row(value))).toMatchObject({ reason: 'invalid_type', path: '' });
    },
  );

  it('refuses a timestamp without a zone', () => {
    const fields = clickFieldsV1({ timestamp: iso(T0).replace('Z', '') });
    expect(rejectionOf(row(fields))).toMatchObject({ reason: 'invalid_value', path: 'timestamp' });
  });
});
