import type { BatchCounts } from '../domain';

export const LINEAGE_STEPS = [
  'ingest',
  'validate',
  'normalize',
  'dedupe',
  'attribute',
  'stage',
  'load',
  'publish',
] as const;
export type LineageStepName = (typeof LINEAGE_STEPS)[number];

/** One transformation of one batch: what went in, what came out, how many, under which rules. */
export interface LineageStep {
  readonly batchId: string;
  readonly step: LineageStepName;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly counts: Partial<BatchCounts>;
  readonly ruleVersions: Readonly<Record<string, string>>;
  readonly at: number;
}

export interface LineageLog {
  append(steps: readonly LineageStep[]): Promise<void>;
  stepsOfBatch(batchId: string): Promise<LineageStep[]>;
}
