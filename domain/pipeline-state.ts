import { changesState, partitionOf, type DomainEvent } from './domain-events';
import { evolvePartition, newPartitionState, type PartitionState } from './partition-state';
import type { PipelineRules } from './rules';

/**
 * Sources are co-partitioned by user, so a user's events meet in one partition number across the
 * source topics. State is kept per partition number (a group): an instance owns exactly the groups
 * of the partitions it is assigned, and can hand one over by handing over its slice.
 */
export interface PipelineState {
  readonly rules: PipelineRules;
  /** the source topics: each is an input of every group's watermark from the start */
  readonly inputs: readonly string[];
  readonly partitions: Map<number, PartitionState>;
}

/** The source topics of the fixtures and of the default configuration. */
export const DEFAULT_INPUTS: readonly string[] = ['impressions', 'clicks', 'bid_requests'];

export function initialPipelineState(
  rules: PipelineRules,
  inputs: readonly string[] = DEFAULT_INPUTS,
): PipelineState {
  return { rules, inputs, partitions: new Map() };
}

export function partitionState(state: PipelineState, partition: number): PartitionState {
  let slice = state.partitions.get(partition);
  if (!slice) {
    slice = newPartitionState(partition, state.inputs);
    state.partitions.set(partition, slice);
  }
  return slice;
}

/** The only way pipeline state changes: each domain event is folded into its group. */
export function evolvePipeline(state: PipelineState, event: DomainEvent): PipelineState {
  if (changesState(event))
    evolvePartition(partitionState(state, partitionOf(event)), event, state.rules);
  return state;
}

/** State as the fold of its events: how `adx rebuild` and the replay tests recreate it. */
export function replay(
  rules: PipelineRules,
  events: Iterable<DomainEvent>,
  inputs: readonly string[] = DEFAULT_INPUTS,
): PipelineState {
  let state = initialPipelineState(rules, inputs);
  for (const event of events) state = evolvePipeline(state, event);
  return state;
}
