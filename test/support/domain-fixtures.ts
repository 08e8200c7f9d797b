/**
 * Builders for the pure domain: decoded source records as the adapters hand them over (an
 * impression JSON object, the fields of one click/conversion CSV line, a bid request as avsc
 * decodes it) and a few shortcuts to run them through processBatch.
 */
import type { Attribution } from '../../domain/attribution-types';
import { DAY_MS } from '../../domain/event-time';
import { initialPipelineState, type PipelineState } from '../../domain/pipeline-state';
import { processBatch, type BatchOptions, type BatchOutcome } from '../../domain/process-batch';
import { rejection, type Rejection, type RejectionReason } from '../../domain/rejection';
import { pipelineRules, type PipelineRules } from '../../domain/rules';
import type { SourceCoordinates, SourceKind, SourceRecord } from '../../domain/source-record';

/** A Monday noon in event time; processing time (`NOW`) is a month later so nothing is "future". */
export const T0 = Date.UTC(2024, 0, 15, 12, 0, 0);
export const NOW = T0 + 30 * DAY_MS;
export const MINUTE_MS = 60_000;

export const iso = (ms: number): string => new Date(ms).toISOString();

const FORMATS: Record<SourceKind, SourceCoordinates['format']> = {
  impression: 'json',
  click_or_conversion: 'csv',
  bid_request: 'avro',
};
export const TOPIC_NAMES: Record<SourceKind, string> = {
  impression: 'impressions',
  click_or_conversion: 'clicks',
  bid_request: 'bid_requests',
};

let nextOffset = 0;

export interface RecordOptions {
  readonly partition?: number;
  readonly offset?: string;
  readonly sizeBytes?: number;
  readonly schemaId?: number;
}

export function coordinates(kind: SourceKind, options: RecordOptions = {}): SourceCoordinates {
  const base = {
    topic: TOPIC_NAMES[kind],
    partition: options.partition ?? 0,
    offset: options.offset ?? String(nextOffset++),
    format: FORMATS[kind],
  };
  if (options.schemaId !== undefined) return { ...base, schemaId: options.schemaId };
  return kind === 'bid_request' ? { ...base, schemaId: 2 } : base;
}

export function sourceRecord(
  kind: SourceKind,
  value: unknown,
  options: RecordOptions = {},
): SourceRecord {
  return {
    kind,
    source: coordinates(kind, options),
    sizeBytes: options.sizeBytes ?? 200,
    payload: { ok: true, value },
  };
}

/** A record the decoder could not read (bad JSON, unknown schema id, ...). */
export function undecodable(
  kind: SourceKind,
  reason: RejectionReason,
  options: RecordOptions = {},
): SourceRecord & { payload: { ok: false; rejection: Rejection } } {
  return {
    kind,
    source: coordinates(kind, options),
    sizeBytes: options.sizeBytes ?? 200,
    payload: { ok: false, rejection: rejection(reason, '', `decoder said ${reason}`) },
  };
}

// ---- impressions (JSON) ----

export function impressionJsonV1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    impression_id: 'imp-1',
    timestamp: iso(T0),
    user_id: 'user-1',
    campaign_id: 'camp-1',
    ad_id: 'ad-1',
    publisher_id: 'pub-1',
    win_price_micros: 1_250,
    ...overrides,
  };
}

export function impressionJsonV2(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return impressionJsonV1({
    device_type: 'mobile',
    country: 'DE',
    bid_request_id: 'bid-1',
    placement_id: 'slot-top',
    ...overrides,
  });
}

// ---- clicks and conversions (CSV fields) ----

export interface ClickColumns {
  event_type: string;
  event_id: string;
  timestamp: string;
  user_id: string;
  campaign_id: string;
  ad_id: string;
  publisher_id: string;
  impression_id: string;
  revenue: string;
  device_type: string;
  country: string;
}

const CLICK_DEFAULTS: ClickColumns = {
  event_type: 'click',
  event_id: 'clk-1',
  timestamp: iso(T0),
  user_id: 'user-1',
  campaign_id: 'camp-1',
  ad_id: 'ad-1',
  publisher_id: 'pub-1',
  impression_id: '',
  revenue: '',
  device_type: 'desktop',
  country: 'FR',
};

/** The 9 fields of a v1 row, in contract order. */
export function clickFieldsV1(overrides: Partial<ClickColumns> = {}): string[] {
  const c = { ...CLICK_DEFAULTS, ...overrides };
  return [
    c.event_type,
    c.event_id,
    c.timestamp,
    c.user_id,
    c.campaign_id,
    c.ad_id,
    c.publisher_id,
    c.impression_id,
    c.revenue,
  ];
}

/** The 11 fields of a v2 row: v1 plus device_type and country. */
export function clickFieldsV2(overrides: Partial<ClickColumns> = {}): string[] {
  const c = { ...CLICK_DEFAULTS, ...overrides };
  return [...clickFieldsV1(overrides), c.device_type, c.country];
}

// ---- bid requests (Avro v2 as avsc decodes it: enum symbols, unions unwrapped to value|null) ----

export function bidRequestAvro(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    bid_request_id: 'bid-1',
    timestamp: T0,
    user_id: 'user-1',
    campaign_id: 'camp-1',
    publisher_id: 'pub-1',
    ad_id: null,
    device_type: 'MOBILE',
    country: 'US',
    bid_floor_micros: 500,
    bid_price_micros: 800,
    won: true,
    win_price_micros: 650,
    deal_id: null,
    ...overrides,
  };
}

// ---- touches, in ad-domain terms, for attribution tests ----

export interface TouchSpec {
  readonly id: string;
  readonly time: number;
  readonly user?: string;
  readonly campaign?: string;
  readonly partition?: number;
  readonly offset?: string;
}

export function impression(spec: TouchSpec): SourceRecord {
  const json = impressionJsonV1({
    impression_id: spec.id,
    timestamp: spec.time,
    user_id: spec.user ?? 'user-1',
    campaign_id: spec.campaign ?? 'camp-1',
  });
  return sourceRecord('impression', json, spec);
}

export function click(spec: TouchSpec & { readonly impressionId?: string }): SourceRecord {
  const fields = clickFieldsV1({
    event_type: 'click',
    event_id: spec.id,
    timestamp: String(spec.time),
    user_id: spec.user ?? 'user-1',
    campaign_id: spec.campaign ?? 'camp-1',
    impression_id: spec.impressionId ?? '',
  });
  return sourceRecord('click_or_conversion', fields, spec);
}

export function conversion(spec: TouchSpec & { readonly revenue?: string }): SourceRecord {
  const fields = clickFieldsV1({
    event_type: 'conversion',
    event_id: spec.id,
    timestamp: String(spec.time),
    user_id: spec.user ?? 'user-1',
    campaign_id: spec.campaign ?? 'camp-1',
    revenue: spec.revenue ?? '10.00',
  });
  return sourceRecord('click_or_conversion', fields, spec);
}

export function bidRequest(spec: TouchSpec): SourceRecord {
  const value = bidRequestAvro({
    bid_request_id: spec.id,
    timestamp: spec.time,
    user_id: spec.user ?? 'user-1',
    campaign_id: spec.campaign ?? 'camp-1',
  });
  return sourceRecord('bid_request', value, spec);
}

// ---- running the pipeline ----

/**
 * A state whose groups have these inputs (default: all three source topics). A test about one
 * topic's records names just that topic, so its watermark is not held back by silent ones.
 */
export function freshState(
  overrides: Partial<PipelineRules> = {},
  inputs: readonly string[] = Object.values(TOPIC_NAMES),
): PipelineState {
  return initialPipelineState(pipelineRules(overrides), inputs);
}

/** One batch on a fresh state. */
export function runBatch(
  records: readonly SourceRecord[],
  options: BatchOptions & {
    rules?: Partial<PipelineRules>;
    now?: number;
    inputs?: readonly string[];
  } = {},
): BatchOutcome {
  const { rules, now, inputs, ...batchOptions } = options;
  return processBatch(freshState(rules, inputs), records, now ?? NOW, batchOptions);
}

/** The one rejection of a single-record batch (throws if the record was not rejected). */
export function rejectionOf(record: SourceRecord, rules: Partial<PipelineRules> = {}): Rejection {
  const outcome = runBatch([record], { rules });
  const first = outcome.rejections[0];
  if (!first || outcome.rejections.length !== 1) {
    throw new Error(`expected one rejection, got ${JSON.stringify(outcome.events)}`);
  }
  return first.rejection;
}

/** Attributions keyed by `eventType:eventId`, without source coordinates. */
export function attributionsById(attributions: readonly Attribution[]): Map<string, Attribution> {
  return new Map(attributions.map((a) => [`${a.eventType}:${a.eventId}`, a]));
}

/** The credit one click or conversion got: model and the touch id, e.g. `lookback imp-1`. */
export function creditOf(outcome: BatchOutcome, eventId: string): string | undefined {
  const found = outcome.attributions.find((a) => a.eventId === eventId);
  return found ? `${found.model}${found.touch ? ` ${found.touch.eventId}` : ''}` : undefined;
}
