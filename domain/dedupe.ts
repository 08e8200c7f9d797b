import { eventKey, type AdEvent } from './ad-event';
import type { Decider } from './decider';
import type { DomainEvent } from './domain-events';
import { rejection } from './rejection';
import type { PipelineRules } from './rules';
import { bucketOf, BUCKET_MS, NO_EVENTS, watermark } from './watermark';

/**
 * Dedupe: an event is a duplicate when its (eventType, eventId) was accepted before within the
 * retention window of event time. First accepted wins. Records older than the retention horizon
 * cannot be checked any more, so they are rejected as late_beyond_retention rather than risk a
 * double count.
 */
export interface DedupeState {
  maxEventTime: number;
  /** eventKey → event time of the accepted event */
  readonly seen: Map<string, number>;
  /** hour bucket → keys accepted with an event time in it; expiry drops whole buckets */
  readonly buckets: Map<number, string[]>;
  oldestBucket: number;
}

export type DedupeCommand = { readonly type: 'ObserveEvent'; readonly event: AdEvent };

export function retentionHorizon(state: DedupeState, rules: PipelineRules): number {
  return watermark(state.maxEventTime, rules.allowedLatenessMs) - rules.dedupeRetentionMs;
}

function expire(state: DedupeState, rules: PipelineRules): void {
  const horizon = retentionHorizon(state, rules);
  while (state.buckets.size > 0 && (state.oldestBucket + 1) * BUCKET_MS <= horizon) {
    for (const key of state.buckets.get(state.oldestBucket) ?? []) state.seen.delete(key);
    state.buckets.delete(state.oldestBucket);
    state.oldestBucket++;
  }
}

export const dedupe: Decider<DedupeCommand, DedupeState, DomainEvent, PipelineRules> = {
  initialState: () => ({
    maxEventTime: NO_EVENTS,
    seen: new Map(),
    buckets: new Map(),
    oldestBucket: 0,
  }),

  decide(command, state, rules) {
    const { event } = command;
    const horizon = retentionHorizon(state, rules);
    if (event.eventTime < horizon) {
      const late = rejection(
        'late_beyond_retention',
        'timestamp',
        `event time is ${horizon - event.eventTime} ms behind the dedupe retention horizon`,
      );
      return [{ type: 'RecordRejected', source: event.source, rejection: late }];
    }
    if (state.seen.has(eventKey(event))) {
      const { eventType, eventId, eventTime, source } = event;
      return [{ type: 'DuplicateDropped', eventType, eventId, eventTime, source }];
    }
    return [{ type: 'EventAccepted', event }];
  },

  evolve(state, domainEvent, rules) {
    if (domainEvent.type !== 'EventAccepted') return state;
    const { event } = domainEvent;
    const key = eventKey(event);
    state.seen.set(key, event.eventTime);
    const bucket = bucketOf(event.eventTime);
    const keys = state.buckets.get(bucket);
    if (keys) keys.push(key);
    else state.buckets.set(bucket, [key]);
    if (state.buckets.size === 1 || bucket < state.oldestBucket) state.oldestBucket = bucket;
    if (event.eventTime > state.maxEventTime) {
      state.maxEventTime = event.eventTime;
      expire(state, rules);
    }
    return state;
  },
};
