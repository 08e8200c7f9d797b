import type { AdEvent } from '../../../domain/ad-event';
import { pipelineRules } from '../../../domain/rules';
import { audienceTouches } from '../../../domain/touch-index';
import type { SourceRecord } from '../../../domain/source-record';
import { validateRecord } from '../../../domain/validate-record';
import {
  bidRequestAvro,
  clickFieldsV1,
  clickFieldsV2,
  impressionJsonV1,
  impressionJsonV2,
  NOW,
  runBatch,
  sourceRecord,
  T0,
} from '../../support/domain-fixtures';

function normalized(record: SourceRecord): AdEvent {
  const result = validateRecord(record, NOW, pipelineRules());
  if (!result.ok) throw new Error(`rejected: ${JSON.stringify(result.rejection)}`);
  return result.event;
}

const at = { partition: 2, offset: '1234' };

describe('normalization into AdEvent', () => {
  it('impression v1: cost in micros, epoch ms, absent optional fields omitted', () => {
    const record = sourceRecord(
      'impression',
      impressionJsonV1({ timestamp: '2024-01-15T13:00:00+01:00' }),
      at,
    );
    expect(normalized(record)).toStrictEqual({
      eventId: 'imp-1',
      eventType: 'impression',
      eventTime: T0,
      userId: 'user-1',
      campaignId: 'camp-1',
      adId: 'ad-1',
      publisherId: 'pub-1',
      costMicros: 1_250,
      source: { topic: 'impressions', partition: 2, offset: '1234', format: 'json' },
    });
  });

  it('impression v2: device and country kept; bid_request_id and placement_id not carried', () => {
    const event = normalized(sourceRecord('impression', impressionJsonV2(), at));
    expect(event).toMatchObject({ deviceType: 'mobile', country: 'DE' });
    expect(Object.keys(event).sort()).toEqual(
      [
        ...['adId', 'campaignId', 'costMicros', 'country', 'deviceType', 'eventId'],
        ...['eventTime', 'eventType', 'publisherId', 'source', 'userId'],
      ].sort(),
    );
  });

  it('impression v2 with null device and country omits them', () => {
    const record = sourceRecord(
      'impression',
      impressionJsonV2({ device_type: null, country: null }),
    );
    const event = normalized(record);
    expect('deviceType' in event).toBe(false);
    expect('country' in event).toBe(false);
  });

  it('click v2: device, country and the explicit impression kept; no money fields', () => {
    const fields = clickFieldsV2({ impression_id: 'imp-1', timestamp: String(T0) });
    expect(normalized(sourceRecord('click_or_conversion', fields, at))).toStrictEqual({
      eventId: 'clk-1',
      eventType: 'click',
      eventTime: T0,
      userId: 'user-1',
      campaignId: 'camp-1',
      adId: 'ad-1',
      publisherId: 'pub-1',
      deviceType: 'desktop',
      country: 'FR',
      impressionId: 'imp-1',
      source: { topic: 'clicks', partition: 2, offset: '1234', format: 'csv' },
    });
  });

  it('click v1 with empty optional columns carries only the required fields', () => {
    const fields = clickFieldsV1({ ad_id: '', publisher_id: '', impression_id: '' });
    expect(Object.keys(normalized(sourceRecord('click_or_conversion', fields))).sort()).toEqual(
      ['campaignId', 'eventId', 'eventTime', 'eventType', 'source', 'userId'].sort(),
    );
  });

  it('conversion: revenue as exact integer micros; an impression_id on it is not carried', () => {
    const fields = clickFieldsV1({
      event_type: 'conversion',
      event_id: 'conv-1',
      revenue: '19.99',
      impression_id: 'imp-1',
    });
    const event = normalized(sourceRecord('click_or_conversion', fields));
    expect(event).toMatchObject({ eventType: 'conversion', revenueMicros: 19_990_000 });
    expect('impressionId' in event).toBe(false);
  });

  it('bid request: device lower-cased, micros kept, null unions omitted, schema id kept', () => {
    const record = sourceRecord('bid_request', bidRequestAvro({ bid_price_micros: null }), {
      ...at,
      schemaId: 7,
    });
    expect(normalized(record)).toStrictEqual({
      eventId: 'bid-1',
      eventType: 'bid_request',
      eventTime: T0,
      userId: 'user-1',
      campaignId: 'camp-1',
      publisherId: 'pub-1',
      deviceType: 'mobile',
      country: 'US',
      bidFloorMicros: 500,
      won: true,
      source: { topic: 'bid_requests', partition: 2, offset: '1234', format: 'avro', schemaId: 7 },
    });
  });

  it('bid request: ad_id and bid price carried when present', () => {
    const event = normalized(
      sourceRecord('bid_request', bidRequestAvro({ ad_id: 'ad-9', device_type: 'CTV' })),
    );
    expect(event).toMatchObject({ adId: 'ad-9', bidPriceMicros: 800, deviceType: 'ctv' });
  });

  it('never emits a key whose value is undefined', () => {
    const records = [
      sourceRecord('impression', impressionJsonV1()),
      sourceRecord('impression', impressionJsonV2({ device_type: null })),
      sourceRecord('click_or_conversion', clickFieldsV1({ ad_id: '', publisher_id: '' })),
      sourceRecord(
        'click_or_conversion',
        clickFieldsV2({ event_type: 'conversion', device_type: '' }),
      ),
      sourceRecord('bid_request', bidRequestAvro({ bid_price_micros: null, ad_id: null })),
    ];
    for (const record of records) {
      const event = normalized(record);
      expect(Object.entries(event).filter(([, v]) => v === undefined)).toEqual([]);
    }
  });

  it('pseudonymizes the user before the event reaches state, output or attribution', () => {
    const outcome = runBatch([sourceRecord('impression', impressionJsonV1())], {
      pseudonymizeUser: (user) => `h(${user})`,
    });
    expect(outcome.accepted[0]?.userId).toBe('h(user-1)');
    expect(JSON.stringify(outcome.events)).not.toContain('"user-1"');
    const impressions = outcome.state.partitions.get(0)?.attribution.impressions;
    const audiences = impressions ? [...audienceTouches(impressions)].map((a) => a.audience) : [];
    expect(audiences).toEqual(['h(user-1)\u0000camp-1']);
  });
});
