import type { AdEvent } from '../../domain';

/** AdEvent → the ad-event v2 Avro record (snake_case, null for absent optionals). */
export function adEventRecord(e: AdEvent): Record<string, unknown> {
  return {
    event_id: e.eventId,
    event_type: e.eventType,
    event_time: e.eventTime,
    user_id: e.userId,
    campaign_id: e.campaignId,
    ad_id: e.adId ?? null,
    publisher_id: e.publisherId ?? null,
    device_type: e.deviceType ?? null,
    country: e.country ?? null,
    impression_id: e.impressionId ?? null,
    cost_micros: e.costMicros ?? null,
    revenue_micros: e.revenueMicros ?? null,
    bid_floor_micros: e.bidFloorMicros ?? null,
    bid_price_micros: e.bidPriceMicros ?? null,
    won: e.won ?? null,
    win_price_micros: null,
    source: {
      topic: e.source.topic,
      partition: e.source.partition,
      offset: e.source.offset,
      format: e.source.format,
      schema_id: e.source.schemaId ?? null,
      contract_version: null,
    },
  };
}
