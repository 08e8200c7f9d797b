import type { PipelineState } from './pipeline-state';
import { pipelineRulesSchema } from './rules';

/**
 * Decider state as text, so the state store can keep a snapshot and replay only the events after
 * it. Maps become tagged entry lists; everything else in the state is plain data.
 */
const MAP_TAG = '__map';

export function snapshotOf(state: PipelineState): string {
  return JSON.stringify(state, (_key, value: unknown) =>
    value instanceof Map ? { [MAP_TAG]: [...value.entries()] } : value,
  );
}

export function stateFromSnapshot(text: string): PipelineState {
  const parsed = JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && MAP_TAG in value) {
      return new Map((value as Record<string, [unknown, unknown][]>)[MAP_TAG]);
    }
    return value;
  }) as PipelineState;
  // rules are validated again: a snapshot written by another version must not smuggle in bad windows
  return { ...parsed, rules: pipelineRulesSchema.parse(parsed.rules) };
}
