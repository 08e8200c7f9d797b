/**
 * fast-check generators of ad traffic for the property tests: a few users and campaigns over a
 * few hours of event time, with re-deliveries, invalid rows and undecodable garbage mixed in.
 */
import fc from 'fast-check';
import { HOUR_MS } from '../../../domain/event-time';
import { REJECTION_REASONS } from '../../../domain/rejection';
import { pipelineRules } from '../../../domain/rules';
import type { SourceKind, SourceRecord } from '../../../domain/source-record';
import {
  bidRequest,
  click,
  conversion,
  impression,
  MINUTE_MS,
  sourceRecord,
  T0,
  undecodable,
} from '../../support/domain-fixtures';

/** Short windows so a few hours of traffic exercise every window edge, expiry and retention. */
export const PROPERTY_RULES = pipelineRules({
  dedupeRetentionMs: 3 * HOUR_MS,
  allowedLatenessMs: 10 * MINUTE_MS,
  clickLookbackMs: HOUR_MS,
  conversionClickWindowMs: 2 * HOUR_MS,
  viewThroughWindowMs: 30 * MINUTE_MS,
});
export const LATENESS_MS = PROPERTY_RULES.allowedLatenessMs;

export const USERS = ['user-a', 'user-b', 'user-c', 'user-d'];
export const CAMPAIGNS = ['camp-1', 'camp-2'];
/** Producers key by user, so a user's events share a partition across topics. */
export const partitionOfUser = (user: number): number => user % 2;

export type TrafficKind = 'impression' | 'click' | 'conversion' | 'bid_request';

export interface TrafficEvent {
  readonly kind: TrafficKind;
  readonly id: string;
  readonly user: number;
  readonly campaign: number;
  readonly time: number;
  /** clicks: the id of an impression named explicitly */
  readonly impressionRef?: string;
}

interface Draft {
  kind: TrafficKind;
  user: number;
  campaign: number;
  time: number;
  ref: number | null;
}

const draft = (spanMs: number): fc.Arbitrary<Draft> =>
  fc.record({
    kind: fc.constantFrom<TrafficKind>(
      'impression',
      'impression',
      'click',
      'conversion',
      'bid_request',
    ),
    user: fc.nat({ max: USERS.length - 1 }),
    campaign: fc.nat({ max: CAMPAIGNS.length - 1 }),
    // whole minutes plus 0..2 ms, so ties in event time happen
    time: fc
      .tuple(fc.nat({ max: Math.floor(spanMs / MINUTE_MS) }), fc.nat({ max: 2 }))
      .map(([minute, ms]) => T0 + minute * MINUTE_MS + ms),
    ref: fc.option(fc.nat(), { nil: null }),
  });

/**
 * Distinct events (ids unique per kind) sorted by event time. A click may name an impression: of
 * its own audience only when that impression is within the lookback before it (the behaviour
 * outside that is covered in found-bugs), of another audience or an unknown id freely.
 */
export function trafficEvents(spanMs = 8 * HOUR_MS, maxLength = 40): fc.Arbitrary<TrafficEvent[]> {
  return fc.array(draft(spanMs), { maxLength }).map((drafts) => {
    const sorted = [...drafts].sort((a, b) => a.time - b.time);
    const events: TrafficEvent[] = sorted.map((d, i) => ({
      kind: d.kind,
      id: `${d.kind}-${i}`,
      user: d.user,
      campaign: d.campaign,
      time: d.time,
    }));
    return events.map((event, i) => {
      const ref = sorted[i]?.ref;
      if (event.kind !== 'click' || ref === null || ref === undefined) return event;
      const impressions = events.filter((e) => e.kind === 'impression');
      const named = impressions[ref % (impressions.length + 1)];
      if (!named) return { ...event, impressionRef: 'impression-unknown' };
      const ownAudience = named.user === event.user && named.campaign === event.campaign;
      const inLookback =
        named.time <= event.time && named.time >= event.time - PROPERTY_RULES.clickLookbackMs;
      return ownAudience && !inLookback ? event : { ...event, impressionRef: named.id };
    });
  });
}

export function toRecord(event: TrafficEvent, offset: number): SourceRecord {
  const spec = {
    id: event.id,
    time: event.time,
    user: USERS[event.user] as string,
    campaign: CAMPAIGNS[event.campaign] as string,
    partition: partitionOfUser(event.user),
    offset: String(offset),
  };
  switch (event.kind) {
    case 'impression':
      return impression(spec);
    case 'click':
      return click(event.impressionRef ? { ...spec, impressionId: event.impressionRef } : spec);
    case 'conversion':
      return conversion(spec);
    case 'bid_request':
      return bidRequest(spec);
  }
}

const KINDS: SourceKind[] = ['impression', 'click_or_conversion', 'bid_request'];

/** Records no source contract accepts: random JSON, random CSV fields, random objects, decode failures. */
export const garbageRecord: fc.Arbitrary<SourceRecord> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...KINDS), fc.jsonValue())
    .map(([kind, value]) => sourceRecord(kind, value)),
  fc
    .tuple(fc.constantFrom(...KINDS), fc.array(fc.string(), { maxLength: 12 }))
    .map(([kind, value]) => sourceRecord(kind, value)),
  fc
    .tuple(fc.constantFrom(...KINDS), fc.object())
    .map(([kind, value]) => sourceRecord(kind, value)),
  fc
    .tuple(fc.constantFrom(...KINDS), fc.anything())
    .map(([kind, value]) => sourceRecord(kind, value)),
  fc
    .tuple(fc.constantFrom(...KINDS), fc.constantFrom(...REJECTION_REASONS))
    .map(([kind, reason]) => undecodable(kind, reason)),
  fc
    .tuple(fc.constantFrom(...KINDS), fc.integer({ min: 64 * 1024 + 1, max: 2 ** 31 }))
    .map(([kind, sizeBytes]) => sourceRecord(kind, {}, { sizeBytes })),
);

const BROKEN_FIELDS: [string, unknown][] = [
  ['user_id', ''],
  ['campaign_id', 42],
  ['timestamp', '2024-01-15T12:00:00'],
  ['country', 'usa'],
];
const BROKEN_COLUMNS: [number, string][] = [
  [0, 'view'],
  [2, '2024-01-15T12:00:00'],
  [3, ''],
  [4, 'c'.repeat(65)],
  [8, '1.1234567'],
];

/** A valid record with one field broken, so it fails late in validation. */
export const invalidRecord: fc.Arbitrary<SourceRecord> = fc
  .tuple(
    trafficEvents(8 * HOUR_MS, 1).filter((e) => e.length === 1),
    fc.nat(),
  )
  .map(([[event], pick]) => {
    const record = toRecord({ ...(event as TrafficEvent), id: 'broken' }, 0);
    if (!record.payload.ok) return record;
    const payload = record.payload.value;
    if (Array.isArray(payload)) {
      const [at, value] = BROKEN_COLUMNS[pick % BROKEN_COLUMNS.length] as [number, string];
      const broken = [...(payload as string[])];
      broken[at] = value;
      return { ...record, payload: { ok: true, value: broken } };
    }
    const [field, value] = BROKEN_FIELDS[pick % BROKEN_FIELDS.length] as [string, unknown];
    return { ...record, payload: { ok: true, value: { ...(payload as object), [field]: value } } };
  });

/**
 * A mixed stream: distinct events, some delivered twice (Kafka redelivery), interleaved with
 * invalid and garbage records, in an arbitrary arrival order. Offsets follow arrival order.
 */
export function mixedTraffic(options: { garbage?: boolean } = {}): fc.Arbitrary<SourceRecord[]> {
  const noise = options.garbage ? fc.oneof(invalidRecord, garbageRecord) : invalidRecord;
  return fc
    .tuple(
      trafficEvents(),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.array(noise, { maxLength: 8 }),
    )
    .chain(([events, copies, bad]) => {
      const again =
        events.length > 0 ? copies.map((i) => events[i % events.length] as TrafficEvent) : [];
      const items: (TrafficEvent | SourceRecord)[] = [...events, ...again, ...bad];
      return fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length });
    })
    .map((items) =>
      items.map((item, offset) =>
        'kind' in item && 'payload' in item
          ? { ...item, source: { ...item.source, offset: String(offset) } }
          : toRecord(item, offset),
      ),
    );
}

/** Cuts records into consecutive batches at the given (sorted, deduplicated) positions. */
export function splitAt(
  records: readonly SourceRecord[],
  cuts: readonly number[],
): SourceRecord[][] {
  const points = [...new Set(cuts.map((c) => c % (records.length + 1)))].sort((a, b) => a - b);
  const batches: SourceRecord[][] = [];
  let from = 0;
  for (const to of [...points, records.length]) {
    batches.push(records.slice(from, to));
    from = to;
  }
  return batches;
}
