import type { PipelineState } from './pipeline-state';
import { pipelineRulesSchema } from './rules';

/**
 * Decider state as text, so the state store can keep a snapshot and replay only the events after
 * it. Maps become tagged entry lists; everything else in the state is plain data.
 */
const MAP_TAG = '__map';
const TYPED_TAG = '__typed';
const TYPED = { Uint8Array, Uint32Array, Int32Array } as const;
type TypedName = keyof typeof TYPED;

export function snapshotOf(state: PipelineState): string {
  return JSON.stringify(state, (_key, value: unknown) => {
    if (value instanceof Map) return { [MAP_TAG]: [...value.entries()] };
    for (const name of Object.keys(TYPED) as TypedName[])
      if (value instanceof TYPED[name]) return { [TYPED_TAG]: name, data: Array.from(value) };
    return value;
  });
}

export function stateFromSnapshot(text: string): PipelineState {
  const parsed = JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && MAP_TAG in value) {
      return new Map((value as Record<string, [unknown, unknown][]>)[MAP_TAG]);
    }
    if (value !== null && typeof value === 'object' && TYPED_TAG in value) {
      const typed = value as { [TYPED_TAG]: TypedName; data: number[] };
      return TYPED[typed[TYPED_TAG]].from(typed.data);
    }
    return value;
  }) as PipelineState;
  // rules are validated again: a snapshot written by another version must not smuggle in bad windows
  return { ...parsed, rules: pipelineRulesSchema.parse(parsed.rules) };
}
