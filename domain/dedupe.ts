import type { AdEvent } from './ad-event';
import type { DomainEvent } from './domain-events';
import { rejection } from './rejection';
import type { PipelineRules } from './rules';
import {
  acceptedTimes,
  forgetBefore,
  newEventKeyIndex,
  rememberKey,
  type EventKeyIndex,
} from './event-key-index';
import { inputWatermark, type EventTimeClock } from './watermark';

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
export type DedupeState = EventKeyIndex;

export function emptyDedupeState(): DedupeState {
  return newEventKeyIndex();
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
  const original = acceptedTimes(state, event.eventType, event.eventId);
  if (original !== undefined && withinRetention(original, event.eventTime, rules)) {
    const { eventType, eventId, eventTime, source } = event;
    return { type: 'DuplicateDropped', eventType, eventId, eventTime, source };
  }
  return { type: 'EventAccepted', event };
}

function withinRetention(
  seen: number | readonly number[],
  time: number,
  rules: PipelineRules,
): boolean {
  if (typeof seen === 'number') return Math.abs(seen - time) <= rules.dedupeRetentionMs;
  return seen.some((t) => Math.abs(t - time) <= rules.dedupeRetentionMs);
}

export function rememberAccepted(state: DedupeState, event: AdEvent): void {
  rememberKey(state, event.eventType, event.eventId, event.eventTime);
}

/** Forgets keys whose event time is more than the retention behind the group's watermark. */
export function forgetExpired(state: DedupeState, watermark: number, rules: PipelineRules): void {
  forgetBefore(state, watermark - rules.dedupeRetentionMs);
}
