import { attributionFor, type AttributionState } from './attribution';
import { dedupe, type DedupeState } from './dedupe';
import { partitionOf, type DomainEvent } from './domain-events';
import type { PipelineRules } from './rules';

/**
 * Sources are co-partitioned by user, so a user's events meet in one partition number across the
 * source topics. State is kept per partition number: an instance owns exactly the state of the
 * partitions it is assigned, and can hand a partition over by handing over its slice.
 */
export interface PartitionState {
  readonly dedupe: DedupeState;
  readonly attribution: AttributionState;
}

export interface PipelineState {
  readonly rules: PipelineRules;
  readonly partitions: Map<number, PartitionState>;
}

export function initialPipelineState(rules: PipelineRules): PipelineState {
  return { rules, partitions: new Map() };
}

export function partitionState(state: PipelineState, partition: number): PartitionState {
  let slice = state.partitions.get(partition);
  if (!slice) {
    slice = {
      dedupe: dedupe.initialState(),
      attribution: attributionFor(partition).initialState(),
    };
    state.partitions.set(partition, slice);
  }
  return slice;
}

/** The only way pipeline state changes: each domain event is folded into its partition's deciders. */
export function evolvePipeline(state: PipelineState, event: DomainEvent): PipelineState {
  const partition = partitionOf(event);
  const slice = partitionState(state, partition);
  dedupe.evolve(slice.dedupe, event, state.rules);
  attributionFor(partition).evolve(slice.attribution, event, state.rules);
  return state;
}

/** State as the fold of its events: how `adx rebuild` and the replay tests recreate it. */
export function replay(rules: PipelineRules, events: Iterable<DomainEvent>): PipelineState {
  let state = initialPipelineState(rules);
  for (const event of events) state = evolvePipeline(state, event);
  return state;
}
