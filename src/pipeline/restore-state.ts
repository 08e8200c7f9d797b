import {
  evolvePipeline,
  initialPipelineState,
  stateFromSnapshot,
  type PipelineRules,
  type PipelineState,
} from '../../domain';
import type { StateStore, TopicPartitionOffset } from '../../ports';

export interface RestoredState {
  readonly state: PipelineState;
  readonly positions: readonly TopicPartitionOffset[];
  readonly replayedEvents: number;
}

/** Snapshot plus the events after it: the state exactly as the last committed batch left it. */
export async function restoreState(
  store: StateStore,
  rules: PipelineRules,
  inputs: readonly string[],
): Promise<RestoredState> {
  const stored = await store.load();
  // the configured rules apply from now on, even when the snapshot was taken under others
  let state: PipelineState = stored.snapshot
    ? { ...stateFromSnapshot(stored.snapshot.data), rules, inputs }
    : initialPipelineState(rules, inputs);
  for (const event of stored.eventsAfterSnapshot) state = evolvePipeline(state, event);
  return { state, positions: stored.positions, replayedEvents: stored.eventsAfterSnapshot.length };
}
