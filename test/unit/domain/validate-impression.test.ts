import { validateRecord } from '../../../domain/validate-record';
import { pipelineRules } from '../../../domain/rules';
import {
  impressionJsonV1,
  impressionJsonV2,
  iso,
  NOW,
  rejectionOf,
  sourceRecord,
  T0,
} from '../../support/domain-fixtures';

const rules = pipelineRules();
const validate = (value: unknown) => validateRecord(sourceRecord('impression', value), NOW, rules);

describe('impression validation: accepted shapes', () => {
  it('accepts a v1 document (no device, country or v2 fields)', () => {
    const result = validate(impressionJsonV1());
    expect(result).toMatchObject({ ok: true, event: { eventId: 'imp-1', eventTime: T0 } });
  });

  it('accepts a v2 document with bid_request_id, placement_id, device_type and country', () => {
    const result = validate(impressionJsonV2());
    expect(result).toMatchObject({ ok: true, event: { deviceType: 'mobile', country: 'DE' } });
  });

  it('accepts null for the optional v2 fields, and unknown extra properties', () => {
    const json = impressionJsonV2({
      device_type: null,
      country: null,
      bid_request_id: null,
      placement_id: null,
      creative_size: '300x250',
    });
    expect(validate(json).ok).toBe(true);
  });

  it.each([
    ['ISO UTC', iso(T0)],
    ['ISO with offset', '2024-01-15T13:00:00+01:00'],
    ['epoch ms', T0],
    ['epoch ms as text', String(T0)],
  ])('accepts a %s timestamp', (_label, timestamp) => {
    expect(validate(impressionJsonV1({ timestamp }))).toMatchObject({
      ok: true,
      event: { eventTime: T0 },
    });
  });

  it('accepts a free impression (win_price_micros 0)', () => {
    expect(validate(impressionJsonV1({ win_price_micros: 0 })).ok).toBe(true);
  });
});

describe('impression validation: rejections with reason and path', () => {
  it.each([
    'impression_id',
    'timestamp',
    'user_id',
    'campaign_id',
    'ad_id',
    'publisher_id',
    'win_price_micros',
  ])('missing %s is missing_field at that path', (field) => {
    const json = impressionJsonV1();
    delete json[field];
    expect(rejectionOf(sourceRecord('impression', json))).toMatchObject({
      reason: 'missing_field',
      path: field,
    });
  });

  it.each([
    ['user_id', 42],
    ['user_id', null],
    ['campaign_id', ['camp-1']],
    ['win_price_micros', '1250'],
    ['win_price_micros', 12.5],
    ['timestamp', true],
    ['timestamp', { seconds: 1 }],
  ])('%s = %j is invalid_type', (field, value) => {
    const record = sourceRecord('impression', impressionJsonV2({ [field]: value }));
    expect(rejectionOf(record)).toMatchObject({ reason: 'invalid_type', path: field });
  });

  it.each([
    ['impression_id', ''],
    ['user_id', 'u'.repeat(129)],
    ['ad_id', 'a'.repeat(65)],
    ['publisher_id', 'pub\n1'],
    ['win_price_micros', -1],
    ['win_price_micros', 1_000_000_000_001],
    ['country', 'de'],
    ['country', 'DEU'],
    ['device_type', 'MOBILE'],
    ['device_type', 'phone'],
  ])('%s = %j is invalid_value', (field, value) => {
    const record = sourceRecord('impression', impressionJsonV2({ [field]: value }));
    expect(rejectionOf(record)).toMatchObject({ reason: 'invalid_value', path: field });
  });

  it.each([['a string'], [42], [null], [[impressionJsonV1()]]])(
    'a payload that is not a JSON object (%j) is invalid_type at the root',
    (value) => {
      expect(rejectionOf(sourceRecord('impression', value))).toMatchObject({
        reason: 'invalid_type',
        path: '',
      });
    },
  );

  it('reports the first failing field in contract order', () => {
    const json = impressionJsonV1({ user_id: 42 });
    delete json.campaign_id;
    expect(rejectionOf(sourceRecord('impression', json))).toMatchObject({ path: 'user_id' });
  });

  it('keeps rejection details short and printable', () => {
    const record = sourceRecord('impression', impressionJsonV1({ timestamp: '\u0007'.repeat(30) }));
    const { detail } = rejectionOf(record);
    expect(detail).toMatch(/^[\x20-\x7e]*$/);
    expect(detail.length).toBeLessThanOrEqual(259);
  });
});
