import type { AdEvent } from './ad-event';
import type { Attribution, AttributionModel, Touch } from './attribution-types';
import type { Decider } from './decider';
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
  emptyTouchIndex,
  expireTouches,
  findTouch,
  latestBetween,
  touchesBetween,
  type TouchIndex,
} from './touch-index';
import { bucketOf, NO_EVENTS, watermark } from './watermark';

/**
 * Attribution, per user and campaign, in event time.
 * - click: the impression it names explicitly (same user and campaign), else the latest impression
 *   at or before it within the click lookback.
 * - conversion: the last (or first, by model) click within the conversion window, else view-through
 *   to the latest impression within the view-through window, else unattributed.
 * Each click or conversion waits until the partition's watermark passes its event time, so every
 * touch that can precede it within the lateness bound has arrived: results do not depend on order.
 */
export interface AttributionState {
  partition: number;
  maxEventTime: number;
  readonly impressions: TouchIndex;
  readonly clicks: TouchIndex;
  readonly pending: PendingQueue;
  /** hour bucket up to which expired touches were dropped, so expiry runs once per hour of event time */
  expiredThroughBucket: number;
}

export type AttributionCommand =
  /** release what the watermark has passed */
  | { readonly type: 'ReleaseDue' }
  /** end of a bounded input: release everything still waiting */
  | { readonly type: 'ReleaseAll' };

function attribute(
  item: PendingAttribution,
  state: AttributionState,
  rules: PipelineRules,
): Attribution {
  const audience = audienceKey(item.userId, item.campaignId);
  const base = {
    partition: state.partition,
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
    if (item.impressionId !== undefined) {
      const named = findTouch(state.impressions, item.impressionId);
      // bounded like lookback: an unbounded reference would depend on when expiry happened to run
      const inWindow =
        named &&
        named.touch.time <= item.time &&
        named.touch.time >= item.time - rules.clickLookbackMs;
      if (named && inWindow && named.audience === audience) {
        return credit('explicit', {
          eventType: 'impression',
          eventId: named.touch.id,
          eventTime: named.touch.time,
        });
      }
    }
    const seen = latestBetween(
      state.impressions,
      audience,
      item.time - rules.clickLookbackMs,
      item.time,
    );
    return seen
      ? credit('lookback', { eventType: 'impression', eventId: seen.id, eventTime: seen.time })
      : credit('unattributed');
  }

  const clicks = touchesBetween(
    state.clicks,
    audience,
    item.time - rules.conversionClickWindowMs,
    item.time,
  );
  const click = rules.conversionModel === 'first_click' ? clicks[0] : clicks[clicks.length - 1];
  if (click)
    return credit(rules.conversionModel, {
      eventType: 'click',
      eventId: click.id,
      eventTime: click.time,
    });
  if (rules.viewThroughWindowMs > 0) {
    const seen = latestBetween(
      state.impressions,
      audience,
      item.time - rules.viewThroughWindowMs,
      item.time,
    );
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

function observe(state: AttributionState, event: AdEvent, rules: PipelineRules): void {
  const audience = audienceKey(event.userId, event.campaignId);
  if (event.eventType === 'impression') {
    addTouch(state.impressions, audience, { id: event.eventId, time: event.eventTime });
  } else if (event.eventType === 'click' || event.eventType === 'conversion') {
    if (event.eventType === 'click')
      addTouch(state.clicks, audience, { id: event.eventId, time: event.eventTime });
    pushPending(state.pending, {
      late: event.eventTime < watermark(state.maxEventTime, rules.allowedLatenessMs),
      eventType: event.eventType,
      id: event.eventId,
      time: event.eventTime,
      userId: event.userId,
      campaignId: event.campaignId,
      ...(event.impressionId !== undefined ? { impressionId: event.impressionId } : {}),
    });
  }
  if (event.eventTime > state.maxEventTime) {
    state.maxEventTime = event.eventTime;
    // touches are kept for the earliest event still waiting, which may be behind the new watermark
    const oldestWaiting = peekPending(state.pending)?.time ?? Number.POSITIVE_INFINITY;
    const horizon = Math.min(watermark(state.maxEventTime, rules.allowedLatenessMs), oldestWaiting);
    const impressionCutoff = horizon - Math.max(rules.clickLookbackMs, rules.viewThroughWindowMs);
    if (bucketOf(impressionCutoff) > state.expiredThroughBucket) {
      state.expiredThroughBucket = bucketOf(impressionCutoff);
      expireTouches(state.impressions, impressionCutoff);
      expireTouches(state.clicks, horizon - rules.conversionClickWindowMs);
    }
  }
}

function release(state: AttributionState, eventType: 'click' | 'conversion', id: string): void {
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

type AttributionDecider = Decider<AttributionCommand, AttributionState, DomainEvent, PipelineRules>;

/** One decider per partition, made once: the batch loop asks for it for every event. */
const deciders = new Map<number, AttributionDecider>();

export function attributionFor(partition: number): AttributionDecider {
  let decider = deciders.get(partition);
  if (!decider) deciders.set(partition, (decider = makeAttribution(partition)));
  return decider;
}

function makeAttribution(partition: number): AttributionDecider {
  return {
    initialState: () => ({
      partition,
      maxEventTime: NO_EVENTS,
      impressions: emptyTouchIndex(),
      clicks: emptyTouchIndex(),
      pending: [],
      expiredThroughBucket: Number.MIN_SAFE_INTEGER,
    }),

    decide(command, state, rules) {
      const mark =
        command.type === 'ReleaseAll'
          ? Number.POSITIVE_INFINITY
          : watermark(state.maxEventTime, rules.allowedLatenessMs);
      const top = peekPending(state.pending);
      if (!top || top.time >= mark) return [];
      return pendingBefore(state.pending, mark).map((item) =>
        attributed(attribute(item, state, rules)),
      );
    },

    evolve(state, event, rules) {
      if (event.type === 'EventAccepted') observe(state, event.event, rules);
      else if (event.type === 'ClickAttributed' || event.type === 'ConversionAttributed')
        release(state, event.attribution.eventType, event.attribution.eventId);
      return state;
    },
  };
}
