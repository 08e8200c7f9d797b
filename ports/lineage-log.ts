import type { BatchCounts, ClaimedEvent, RejectionReason } from '../domain';

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

/**
 * One source record that did not become a warehouse row: where it stopped and why. Kept per record
 * (rejections and duplicates are a small share of traffic) so `adx lineage trace` can answer for
 * the one record an auditor asks about, not just for its batch.
 */
export interface StoppedRecord {
  readonly batchId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** validate: rejected before normalization; dedupe: a duplicate, or late beyond retention */
  readonly step: 'validate' | 'dedupe';
  readonly reason: RejectionReason | 'duplicate';
  /** the field at fault ('' for the whole record) */
  readonly path: string;
  readonly detail: string;
  /**
   * the event it was: for a duplicate the accepted event it repeated; for a rejected record the id
   * (and type) its payload claims, when it has a plausible one
   */
  readonly event?: ClaimedEvent;
}

/** What one batch adds to the lineage log: its steps and its stopped records. */
export interface BatchLineageRecord {
  readonly steps: readonly LineageStep[];
  readonly stopped: readonly StoppedRecord[];
}

export interface LineageLog {
  /** idempotent: a batch recorded again replaces its steps and stopped records */
  append(lineage: BatchLineageRecord): Promise<void>;
  stepsOfBatch(batchId: string): Promise<LineageStep[]>;
  stoppedInBatch(batchId: string): Promise<StoppedRecord[]>;
  /** the record at these Kafka coordinates, if it stopped */
  stoppedAt(topic: string, partition: number, offset: string): Promise<StoppedRecord | undefined>;
  /** every stopped record of this event id: its duplicates, and rejected records claiming it */
  stoppedWithEventId(eventId: string): Promise<StoppedRecord[]>;
}
