/**
 * Reads the canonical ad_events records back into AdEvents: Confluent wire format, writer schema
 * by id from the registry, resolved against the ad-event contract the pipeline writes. The inverse
 * of adapters/kafka/ad-event-record.ts (snake_case, null for absent optionals).
 */
import type { AdEvent, DeviceType, EventType, SourceFormat } from '../../domain';
import { createConfluentAvroDecoder } from '../../adapters/codecs/confluent-avro';
import type { SchemaRegistry } from '../../ports';
import { adEventType } from '../../src/contracts/ad-event-type';

interface AdEventRecord {
  event_id: string;
  event_type: EventType;
  event_time: number;
  user_id: string;
  campaign_id: string;
  ad_id: string | null;
  publisher_id: string | null;
  device_type: string | null;
  country: string | null;
  impression_id: string | null;
  cost_micros: number | null;
  revenue_micros: number | null;
  bid_floor_micros: number | null;
  bid_price_micros: number | null;
  won: boolean | null;
  source: {
    topic: string;
    partition: number;
    offset: string;
    format: SourceFormat;
    schema_id: number | null;
  };
}

/** only the fields that are present, as the domain builds AdEvents */
function present<T extends Record<string, unknown>>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], null> } {
  const kept = Object.entries(fields).filter(([, v]) => v !== null);
  return Object.fromEntries(kept) as { [K in keyof T]?: Exclude<T[K], null> };
}

export function fromAdEventRecord(r: AdEventRecord): AdEvent {
  return {
    eventId: r.event_id,
    eventType: r.event_type,
    eventTime: r.event_time,
    userId: r.user_id,
    campaignId: r.campaign_id,
    ...present({
      adId: r.ad_id,
      publisherId: r.publisher_id,
      deviceType: r.device_type as DeviceType | null,
      country: r.country,
      impressionId: r.impression_id,
      costMicros: r.cost_micros,
      revenueMicros: r.revenue_micros,
      bidFloorMicros: r.bid_floor_micros,
      bidPriceMicros: r.bid_price_micros,
      won: r.won,
    }),
    source: {
      topic: r.source.topic,
      partition: r.source.partition,
      offset: r.source.offset,
      format: r.source.format,
      ...(r.source.schema_id !== null ? { schemaId: r.source.schema_id } : {}),
    },
  };
}

export interface DecodedAdEvent {
  readonly event: AdEvent;
  /** the writer schema id in the record's header */
  readonly schemaId: number;
}

/** A decoder that fails loudly: a record on ad_events that does not decode is a test failure. */
export function adEventDecoder(
  registry: SchemaRegistry,
): (bytes: Uint8Array) => Promise<DecodedAdEvent> {
  const decoder = createConfluentAvroDecoder(adEventType(), (id) => registry.schemaById(id));
  return async (bytes) => {
    const { payload, schemaId } = await decoder.decode(bytes);
    if (!payload.ok || schemaId === undefined) {
      const detail = payload.ok ? 'no schema id' : payload.rejection.detail;
      throw new Error(`an ad_events record does not decode: ${detail}`);
    }
    return { event: fromAdEventRecord(payload.value as AdEventRecord), schemaId };
  };
}
