import { pipelineRules } from '../../../domain/rules';
import { validateRecord } from '../../../domain/validate-record';
import { bidRequestAvro, NOW, rejectionOf, sourceRecord, T0 } from '../../support/domain-fixtures';

const rules = pipelineRules();
const avro = (value: unknown) => sourceRecord('bid_request', value);
const validate = (value: unknown) => validateRecord(avro(value), NOW, rules);

/** A v1 record: the v2 fields win_price_micros and deal_id do not exist at all. */
function bidRequestV1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const v2 = bidRequestAvro(overrides);
  delete v2.win_price_micros;
  delete v2.deal_id;
  return v2;
}

describe('bid request validation: accepted shapes', () => {
  it('accepts a v2 record as avsc decodes it (enum symbol, null unions)', () => {
    expect(validate(bidRequestAvro())).toMatchObject({ ok: true, event: { eventTime: T0 } });
  });

  it('accepts a v1 record without win_price_micros and deal_id', () => {
    expect(validate(bidRequestV1()).ok).toBe(true);
  });

  it('accepts a request we did not bid on (bid_price_micros null, not won)', () => {
    const value = bidRequestAvro({ bid_price_micros: null, won: false, win_price_micros: null });
    expect(validate(value).ok).toBe(true);
  });

  it.each(['MOBILE', 'DESKTOP', 'TABLET', 'CTV', 'OTHER'])('accepts device_type %s', (device) => {
    expect(validate(bidRequestAvro({ device_type: device })).ok).toBe(true);
  });

  it('accepts ad_id and deal_id when present', () => {
    expect(validate(bidRequestAvro({ ad_id: 'ad-7', deal_id: 'deal-1' })).ok).toBe(true);
  });
});

describe('bid request validation: rejections with reason and path', () => {
  it.each([
    'bid_request_id',
    'timestamp',
    'user_id',
    'campaign_id',
    'publisher_id',
    'device_type',
    'country',
    'bid_floor_micros',
    'won',
  ])('missing %s is missing_field at that path', (field) => {
    const value = bidRequestAvro();
    delete value[field];
    expect(rejectionOf(avro(value))).toMatchObject({ reason: 'missing_field', path: field });
  });

  it.each([
    ['timestamp', '2024-01-15T12:00:00Z'],
    ['timestamp', 1.5],
    ['won', 'true'],
    ['bid_floor_micros', '500'],
    ['user_id', null],
    ['ad_id', 42],
  ])('%s = %j is invalid_type', (field, value) => {
    expect(rejectionOf(avro(bidRequestAvro({ [field]: value })))).toMatchObject({
      reason: 'invalid_type',
      path: field,
    });
  });

  it.each([
    ['device_type', 'mobile'],
    ['device_type', 'PHABLET'],
    ['country', 'usa'],
    ['bid_floor_micros', -5],
    ['bid_price_micros', 1_000_000_000_001],
    ['win_price_micros', -1],
    ['bid_request_id', ''],
    ['deal_id', 'd'.repeat(65)],
  ])('%s = %j is invalid_value', (field, value) => {
    expect(rejectionOf(avro(bidRequestAvro({ [field]: value })))).toMatchObject({
      reason: 'invalid_value',
      path: field,
    });
  });

  it('timestamp in seconds instead of ms (a unit error) is invalid_value', () => {
    const value = bidRequestAvro({ timestamp: Math.floor(T0 / 1000) });
    expect(rejectionOf(avro(value))).toMatchObject({ reason: 'invalid_value', path: 'timestamp' });
  });

  it.each([[[bidRequestAvro()]], ['bid'], [null]])(
    'a payload that is not a record (%j) is invalid_type at the root',
    (value) => {
      expect(rejectionOf(avro(value))).toMatchObject({ reason: 'invalid_type', path: '' });
    },
  );
});
