import type { AdEvent } from './ad-event';
import type { Attribution, AttributionModel, Touch } from './attribution-types';
import type { DomainEvent } from './domain-events';
import {
  peekPending,
  pendingBefore,
  popPending,
  pushPending,
  type PendingAttribution,
  type PendingQueue,
} from './pending-queue';
import type { PipelineRules } from './rules';
import {
  addTouch,
  audienceKey,
  earliestBetween,
  emptyTouchIndex,
  dropTouchesBefore,
  expireTouches,
  latestBetween,
  namedTouch,
  type TouchIndex,
  type TouchRef,
} from './touch-index';
import { bucketOf } from './watermark';

/**
 * Attribution, per user and campaign, in event time.
 * - click: the impression it names explicitly (same user and campaign, within the lookback), else
 *   the latest impression at or before it within the click lookback.
 * - conversion: the last (or first, by model) click within the conversion window, else view-through
 *   to the latest impression within the view-through window, else unattributed.
 * Each click or conversion waits until its group's watermark passes its event time: by then every
 * touch that can precede it has arrived on every input, so results do not depend on batching or
 * on how the topics interleave. Touches are forgotten only when neither a waiting nor a future
 * click or conversion can reach them.
 */
export interface AttributionState {
  readonly impressions: TouchIndex;
  readonly clicks: TouchIndex;
  readonly pending: PendingQueue;
  /** hour bucket up to which unreachable touches were dropped, so expiry runs once per hour */
  expiredThroughBucket: number;
}

export function emptyAttributionState(): AttributionState {
  return {
    impressions: emptyTouchIndex(),
    clicks: emptyTouchIndex(),
    pending: [],
    expiredThroughBucket: Number.MIN_SAFE_INTEGER,
  };
}

const later = (a: TouchRef, b: TouchRef): boolean =>
  a.time > b.time || (a.time === b.time && a.id > b.id);

/**
 * A lookup over the user's audience and, after a key rotation, the same user's audiences under
 * older pseudonyms: the latest (or earliest) answer of all of them.
 */
function across(
  audiences: readonly string[],
  lookup: (audience: string) => TouchRef | undefined,
  pick: 'latest' | 'earliest' = 'latest',
): TouchRef | undefined {
  let best: TouchRef | undefined;
  for (const audience of audiences) {
    const found = lookup(audience);
    if (found && (!best || (pick === 'latest' ? later(found, best) : later(best, found))))
      best = found;
  }
  return best;
}

function attribute(
  item: PendingAttribution,
  partition: number,
  state: AttributionState,
  rules: PipelineRules,
): Attribution {
  const audiences = [
    audienceKey(item.userId, item.campaignId),
    ...(item.userAliases ?? []).map((alias) => audienceKey(alias, item.campaignId)),
  ];
  const base = {
    partition,
    eventType: item.eventType,
    eventId: item.id,
    eventTime: item.time,
    userId: item.userId,
    campaignId: item.campaignId,
    late: item.late,
  };
  const credit = (model: AttributionModel, touch?: Touch): Attribution =>
    touch ? { ...base, model, touch } : { ...base, model };

  if (item.eventType === 'click') {
    const from = item.time - rules.clickLookbackMs;
    // bounded like lookback: an unbounded reference would depend on when expiry happened to run
    const { impressionId } = item;
    const named =
      impressionId !== undefined
        ? across(audiences, (a) => namedTouch(state.impressions, a, impressionId, from, item.time))
        : undefined;
    if (named)
      return credit('explicit', {
        eventType: 'impression',
        eventId: named.id,
        eventTime: named.time,
      });
    const seen = across(audiences, (a) => latestBetween(state.impressions, a, from, item.time));
    return seen
      ? credit('lookback', { eventType: 'impression', eventId: seen.id, eventTime: seen.time })
      : credit('unattributed');
  }

  const clickFrom = item.time - rules.conversionClickWindowMs;
  const click =
    rules.conversionModel === 'first_click'
      ? across(audiences, (a) => earliestBetween(state.clicks, a, clickFrom, item.time), 'earliest')
      : across(audiences, (a) => latestBetween(state.clicks, a, clickFrom, item.time));
  if (click)
    return credit(rules.conversionModel, {
      eventType: 'click',
      eventId: click.id,
      eventTime: click.time,
    });
  if (rules.viewThroughWindowMs > 0) {
    const vtFrom = item.time - rules.viewThroughWindowMs;
    const seen = across(audiences, (a) => latestBetween(state.impressions, a, vtFrom, item.time));
    if (seen)
      return credit('view_through', {
        eventType: 'impression',
        eventId: seen.id,
        eventTime: seen.time,
      });
  }
  return credit('unattributed');
}

function attributed(a: Attribution): DomainEvent {
  return a.eventType === 'click'
    ? { type: 'ClickAttributed', attribution: a }
    : { type: 'ConversionAttributed', attribution: a };
}

/**
 * An accepted event as attribution sees it: impressions and clicks become touches, clicks and
 * conversions wait. `late`: it arrived behind the group's watermark, so it is attributed at once
 * from what is known instead of waiting for touches that may still come.
 */
export function observeForAttribution(
  state: AttributionState,
  event: AdEvent,
  late: boolean,
  userAliases?: readonly string[],
): void {
  if (event.eventType === 'impression' || event.eventType === 'bid_request') {
    if (event.eventType === 'impression')
      addTouch(state.impressions, audienceKey(event.userId, event.campaignId), {
        id: event.eventId,
        time: event.eventTime,
      });
    return;
  }
  if (event.eventType === 'click')
    addTouch(state.clicks, audienceKey(event.userId, event.campaignId), {
      id: event.eventId,
      time: event.eventTime,
    });
  pushPending(state.pending, {
    late,
    eventType: event.eventType,
    id: event.eventId,
    time: event.eventTime,
    userId: event.userId,
    campaignId: event.campaignId,
    ...(event.impressionId !== undefined ? { impressionId: event.impressionId } : {}),
    ...(userAliases && userAliases.length > 0 ? { userAliases } : {}),
  });
}

/** The attributions of everything waiting with an event time before `mark`, in release order. */
export function dueAttributions(
  state: AttributionState,
  partition: number,
  mark: number,
  rules: PipelineRules,
): DomainEvent[] {
  const top = peekPending(state.pending);
  if (!top || top.time >= mark) return [];
  return pendingBefore(state.pending, mark).map((item) =>
    attributed(attribute(item, partition, state, rules)),
  );
}

export function releaseAttributed(state: AttributionState, attribution: Attribution): void {
  const { eventType, eventId: id } = attribution;
  const top = peekPending(state.pending);
  if (top && top.id === id && top.eventType === eventType) {
    popPending(state.pending);
    return;
  }
  // only reachable when events are replayed out of release order; keep the heap valid anyway
  const rest = state.pending.filter((p) => p.id !== id || p.eventType !== eventType);
  state.pending.length = 0;
  for (const p of rest) pushPending(state.pending, p);
}

/**
 * Touches older than these can be reached by no click or conversion any more: every future one is
 * at or after the watermark, and every waiting one at or after the oldest waiting, so nothing
 * reaches back further than the earlier of the two minus the longest window.
 */
function unreachableBefore(state: AttributionState, watermark: number, rules: PipelineRules) {
  const oldestWaiting = peekPending(state.pending)?.time ?? Number.POSITIVE_INFINITY;
  const horizon = Math.min(watermark, oldestWaiting);
  return {
    impressions: horizon - Math.max(rules.clickLookbackMs, rules.viewThroughWindowMs),
    clicks: horizon - rules.conversionClickWindowMs,
  };
}

/** Drops unreachable touches, an hour of event time at a time (cheap enough to run per event). */
export function forgetUnreachableTouches(
  state: AttributionState,
  watermark: number,
  rules: PipelineRules,
): void {
  const cutoff = unreachableBefore(state, watermark, rules);
  if (bucketOf(cutoff.impressions) <= state.expiredThroughBucket) return;
  state.expiredThroughBucket = bucketOf(cutoff.impressions);
  expireTouches(state.impressions, cutoff.impressions);
  expireTouches(state.clicks, cutoff.clicks);
}

/**
 * Drops every unreachable touch now, to the millisecond: the hourly expiry leaves some in the
 * current hour depending on what else the audience holds, so two states with the same reachable
 * touches can differ; after this they do not. A walk over all touches: for comparing states.
 */
export function dropUnreachableTouches(
  state: AttributionState,
  watermark: number,
  rules: PipelineRules,
): void {
  const cutoff = unreachableBefore(state, watermark, rules);
  dropTouchesBefore(state.impressions, cutoff.impressions);
  dropTouchesBefore(state.clicks, cutoff.clicks);
}
