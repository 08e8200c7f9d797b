import type { Type } from 'avsc';
import { encodedOnce, type AdEvent } from '../../domain';
import type { EventEncoding } from '../../ports';
import { frameConfluentAvro } from '../codecs/confluent-avro';

/** per compiled type, each event's Avro body, encoded once for the try and the publish */
const bodies = new WeakMap<Type, (e: AdEvent) => Buffer>();

export function adEventBody(type: Type): (e: AdEvent) => Buffer {
  let body = bodies.get(type);
  if (!body) {
    body = encodedOnce((e) => type.toBuffer(adEventRecord(e)));
    bodies.set(type, body);
  }
  return body;
}

/** The ad_events message value of one event: Confluent framing, then the v2 Avro record. */
export function adEventValue(schemaId: number, type: Type, e: AdEvent): Buffer {
  return frameConfluentAvro(schemaId, adEventBody(type)(e));
}

/**
 * The publisher's per-event encoder, tried on every accepted event before it is accepted: an
 * event avsc refuses (a value its type does not take) is dead-lettered then, not failing every
 * publish of its batch. The schema id only fills the framing header, so the body alone is tried.
 */
export function adEventEncoding(type: Type): EventEncoding {
  return { stage: 'ad_events Avro encoding', encode: adEventBody(type) };
}

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
