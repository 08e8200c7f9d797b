import { eventKey, type AdEvent } from './ad-event';
import type { DomainEvent } from './domain-events';
import { rejection } from './rejection';
import type { PipelineRules } from './rules';
import { bucketOf, BUCKET_MS, inputWatermark, type EventTimeClock } from './watermark';

/**
 * Dedupe: an event is a duplicate when its (eventType, eventId) was accepted before with an event
 * time within the retention window of its own (first accepted wins). Both sides of that rule are
 * data of the records themselves, so the answer does not depend on batching or on how the topics
 * interleave.
 *
 * A record further behind its own input's watermark than the retention cannot be checked any more
 * (its original may be forgotten), so it is rejected as late_beyond_retention rather than risk a
 * double count. Keys are forgotten when the group's watermark is more than the retention past
 * them; the group's watermark is never ahead of an input's, so every record that is accepted is
 * still inside the window of keys kept.
 */
export interface DedupeState {
  /**
   * eventKey → event time of the accepted event; the times of each acceptance, in the rare case of
   * an id used again once the retention of its first use had passed
   */
  readonly seen: Map<string, number | number[]>;
  /** hour bucket → keys accepted with an event time in it; expiry drops whole buckets */
  readonly buckets: Map<number, string[]>;
}

export function emptyDedupeState(): DedupeState {
  return { seen: new Map(), buckets: new Map() };
}

/** The one decision dedupe makes about an accepted-so-far event. */
export function dedupeDecision(
  event: AdEvent,
  state: DedupeState,
  clock: EventTimeClock,
  rules: PipelineRules,
): DomainEvent {
  const horizon =
    inputWatermark(clock.inputs.get(event.source.topic), rules) - rules.dedupeRetentionMs;
  if (event.eventTime < horizon) {
    const late = rejection(
      'late_beyond_retention',
      'timestamp',
      `event time is ${horizon - event.eventTime} ms behind the dedupe retention horizon`,
    );
    return { type: 'RecordRejected', source: event.source, rejection: late };
  }
  const original = state.seen.get(eventKey(event));
  if (original !== undefined && withinRetention(original, event.eventTime, rules)) {
    const { eventType, eventId, eventTime, source } = event;
    return { type: 'DuplicateDropped', eventType, eventId, eventTime, source };
  }
  return { type: 'EventAccepted', event };
}

function withinRetention(seen: number | number[], time: number, rules: PipelineRules): boolean {
  if (typeof seen === 'number') return Math.abs(seen - time) <= rules.dedupeRetentionMs;
  return seen.some((t) => Math.abs(t - time) <= rules.dedupeRetentionMs);
}

export function rememberAccepted(state: DedupeState, event: AdEvent): void {
  const key = eventKey(event);
  const before = state.seen.get(key);
  state.seen.set(
    key,
    before === undefined
      ? event.eventTime
      : [...(typeof before === 'number' ? [before] : before), event.eventTime],
  );
  const bucket = bucketOf(event.eventTime);
  const keys = state.buckets.get(bucket);
  if (keys) keys.push(key);
  else state.buckets.set(bucket, [key]);
}

/** Forgets keys whose event time is more than the retention behind the group's watermark. */
export function forgetExpired(state: DedupeState, watermark: number, rules: PipelineRules): void {
  const horizon = watermark - rules.dedupeRetentionMs;
  for (const [bucket, keys] of state.buckets) {
    if ((bucket + 1) * BUCKET_MS > horizon) continue;
    for (const key of keys) {
      // a key accepted again later (beyond the retention of its first time) lives in a newer bucket
      const seen = state.seen.get(key);
      if (seen === undefined) continue;
      const kept = (typeof seen === 'number' ? [seen] : seen).filter((t) => t >= horizon);
      if (kept.length === 0) state.seen.delete(key);
      else state.seen.set(key, kept.length === 1 ? (kept[0] as number) : kept);
    }
    state.buckets.delete(bucket);
  }
}
