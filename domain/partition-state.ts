import type { AdEvent } from './ad-event';
import {
  dueAttributions,
  emptyAttributionState,
  forgetUnreachableTouches,
  observeForAttribution,
  releaseAttributed,
  type AttributionState,
} from './attribution';
import type { Decider } from './decider';
import { peekPending } from './pending-queue';
import {
  dedupeDecision,
  emptyDedupeState,
  forgetExpired,
  rememberAccepted,
  type DedupeState,
} from './dedupe';
import type { DomainEvent } from './domain-events';
import type { PipelineRules } from './rules';
import {
  bucketOf,
  isInputIdle,
  markInputIdle,
  newEventTimeClock,
  observeInput,
  type EventTimeClock,
} from './watermark';

/**
 * The state of one co-partitioned group: a user's impressions, clicks, conversions and bid
 * requests all land on the same partition number of their topics, so this is everything dedupe and
 * attribution need for them. One group is stored, restored and handed over on its own.
 */
export interface PartitionState {
  readonly partition: number;
  readonly clock: EventTimeClock;
  readonly dedupe: DedupeState;
  readonly attribution: AttributionState;
  /** hour bucket of (watermark - retention) up to which dedupe keys were forgotten */
  dedupeExpiredThroughBucket: number;
}

export type PartitionCommand =
  /** a valid, normalized event read from one of the group's inputs */
  | {
      readonly type: 'ObserveEvent';
      readonly event: AdEvent;
      readonly userAliases?: readonly string[];
    }
  /** release what the watermark has passed */
  | { readonly type: 'ReleaseDue' }
  /** end of a bounded input: release everything still waiting */
  | { readonly type: 'ReleaseAll' }
  /** the input is caught up and has been quiet for the idle timeout */
  | { readonly type: 'MarkIdle'; readonly topic: string };

export function newPartitionState(partition: number, inputs: Iterable<string>): PartitionState {
  return {
    partition,
    clock: newEventTimeClock(inputs),
    dedupe: emptyDedupeState(),
    attribution: emptyAttributionState(),
    dedupeExpiredThroughBucket: Number.MIN_SAFE_INTEGER,
  };
}

export function decidePartition(
  command: PartitionCommand,
  state: PartitionState,
  rules: PipelineRules,
): DomainEvent[] {
  switch (command.type) {
    case 'ObserveEvent': {
      const decided = dedupeDecision(command.event, state.dedupe, state.clock, rules);
      return [
        decided.type === 'EventAccepted' && command.userAliases
          ? { ...decided, userAliases: command.userAliases }
          : decided,
      ];
    }
    case 'ReleaseDue':
      return dueAttributions(state.attribution, state.partition, state.clock.watermark, rules);
    case 'ReleaseAll':
      return dueAttributions(state.attribution, state.partition, Number.POSITIVE_INFINITY, rules);
    case 'MarkIdle':
      return isInputIdle(state.clock, command.topic)
        ? []
        : [{ type: 'InputIdle', partition: state.partition, topic: command.topic }];
  }
}

/** Whether a waiting click or conversion is behind the watermark (a cheap check per event). */
export function hasDue(state: PartitionState): boolean {
  const top = peekPending(state.attribution.pending);
  return top !== undefined && top.time < state.clock.watermark;
}

function watermarkMoved(state: PartitionState, rules: PipelineRules): void {
  const { watermark } = state.clock;
  const dedupeBucket = bucketOf(watermark - rules.dedupeRetentionMs);
  if (dedupeBucket > state.dedupeExpiredThroughBucket) {
    state.dedupeExpiredThroughBucket = dedupeBucket;
    forgetExpired(state.dedupe, watermark, rules);
  }
  forgetUnreachableTouches(state.attribution, watermark, rules);
}

/** Folds one domain event into the group's state (in place: see Decider). */
export function evolvePartition(
  state: PartitionState,
  event: DomainEvent,
  rules: PipelineRules,
): PartitionState {
  switch (event.type) {
    case 'EventAccepted': {
      const accepted = event.event;
      const late = accepted.eventTime < state.clock.watermark;
      rememberAccepted(state.dedupe, accepted);
      observeForAttribution(state.attribution, accepted, late, event.userAliases);
      if (observeInput(state.clock, accepted.source.topic, accepted.eventTime, rules))
        watermarkMoved(state, rules);
      return state;
    }
    case 'InputIdle':
      if (markInputIdle(state.clock, event.topic, rules)) watermarkMoved(state, rules);
      return state;
    case 'ClickAttributed':
    case 'ConversionAttributed':
      releaseAttributed(state.attribution, event.attribution);
      return state;
    case 'DuplicateDropped':
    case 'RecordRejected':
      return state;
  }
}

/** The decider of one group, after Emmett's typing. */
export function partitionDecider(
  partition: number,
  inputs: readonly string[],
): Decider<PartitionCommand, PartitionState, DomainEvent, PipelineRules> {
  return {
    decide: decidePartition,
    evolve: evolvePartition,
    initialState: () => newPartitionState(partition, inputs),
  };
}
