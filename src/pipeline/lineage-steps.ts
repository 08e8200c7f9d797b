import { claimedEvent, type BatchOutcome, type SourceRecord } from '../../domain';
import type { LineageStep, SourceBatch, StoppedRecord } from '../../ports';
import type { StagedObject } from './staging';

export interface RuleVersions {
  readonly code: string;
  readonly rules: string;
  readonly configHash: string;
  /** `contract.<stream>` → the contract version (and content hash) this build implements */
  readonly contracts: Readonly<Record<string, string>>;
}

/**
 * The lineage format: 2 = stopped records are kept per record. The conservation audit counts a
 * batch's stopped records only when its lineage says they were recorded.
 */
export const LINEAGE_FORMAT = '2';

const recordedVersions = (versions: RuleVersions): Record<string, string> => ({
  code: versions.code,
  rules: versions.rules,
  config: versions.configHash,
  lineage: LINEAGE_FORMAT,
  ...versions.contracts,
});

/** One lineage step per transformation of the batch, with what went in and came out. */
export function lineageSteps(
  batch: SourceBatch,
  outcome: BatchOutcome,
  staged: readonly StagedObject[],
  loadedTables: readonly string[],
  versions: RuleVersions,
  at: number,
): LineageStep[] {
  const range = `kafka://${batch.topic}/${batch.partition}/${batch.firstOffset}-${batch.lastOffset}`;
  const c = outcome.counts;
  const ruleVersions = recordedVersions(versions);
  const step = (
    name: LineageStep['step'],
    inputs: string[],
    outputs: string[],
    counts: LineageStep['counts'],
  ): LineageStep => ({
    batchId: batch.id,
    step: name,
    inputs,
    outputs,
    counts,
    ruleVersions,
    at,
  });
  const schemaIds = [
    ...new Set(
      outcome.events.flatMap((e) =>
        e.type === 'EventAccepted' && e.event.source.schemaId !== undefined
          ? [e.event.source.schemaId]
          : [],
      ),
    ),
  ];
  return [
    step('ingest', [range], [`batch:${batch.id}`], { received: c.received }),
    step(
      'validate',
      [`batch:${batch.id}`, ...schemaIds.map((id) => `schema:${id}`)],
      ['dlq:ad_events.dlq'],
      {
        received: c.received,
        rejected: c.rejected,
        rejectedByReason: c.rejectedByReason,
      },
    ),
    step('normalize', [`batch:${batch.id}`], ['ad_event'], { accepted: c.accepted + c.duplicates }),
    step('dedupe', ['ad_event'], ['ad_event'], { accepted: c.accepted, duplicates: c.duplicates }),
    step('attribute', ['ad_event'], ['attribution'], { attributedByModel: c.attributedByModel }),
    step(
      'stage',
      ['ad_event', 'attribution'],
      staged.map((s) => `s3://${s.key}`),
      { accepted: c.accepted },
    ),
    step(
      'load',
      staged.map((s) => `s3://${s.key}`),
      loadedTables.map((t) => `table:${t}`),
      { accepted: c.accepted },
    ),
    step('publish', ['ad_event'], ['topic:ad_events', 'topic:ad_events.dlq'], {
      accepted: c.accepted,
      rejected: c.rejected,
    }),
  ];
}

/**
 * The end-of-input flush reads no source: it only releases the clicks and conversions still
 * waiting for the watermark, so its lineage is attribute → stage → load of those attributions.
 */
export function flushLineageSteps(
  batchId: string,
  outcome: BatchOutcome,
  staged: readonly StagedObject[],
  versions: RuleVersions,
  at: number,
): LineageStep[] {
  const ruleVersions = recordedVersions(versions);
  const stagedKeys = staged.map((s) => `s3://${s.key}`);
  const counts = { attributedByModel: outcome.counts.attributedByModel };
  const step = (name: LineageStep['step'], inputs: string[], outputs: string[]): LineageStep => ({
    batchId,
    step: name,
    inputs,
    outputs,
    counts,
    ruleVersions,
    at,
  });
  return [
    step('attribute', ['state:pending_attributions'], ['attribution']),
    step('stage', ['attribution'], stagedKeys),
    step('load', stagedKeys, ['table:fact_attribution']),
  ];
}

/** Where and why each record of the batch that left no fact row stopped. */
export function stoppedRecords(
  batchId: string,
  outcome: BatchOutcome,
  records: readonly SourceRecord[],
): StoppedRecord[] {
  // only rejected records need their payload looked up: most batches have few or none
  const byOffset = new Map(
    outcome.rejections.length > 0 ? records.map((r) => [r.source.offset, r]) : [],
  );
  const coordinates = (s: { topic: string; partition: number; offset: string }) => ({
    batchId,
    topic: s.topic,
    partition: s.partition,
    offset: s.offset,
  });
  return [
    ...outcome.rejections.map((r): StoppedRecord => {
      const record = byOffset.get(r.source.offset);
      const claimed = record ? claimedEvent(record) : undefined;
      return {
        ...coordinates(r.source),
        // lateness is judged against the dedupe retention horizon, after normalization
        step: r.rejection.reason === 'late_beyond_retention' ? 'dedupe' : 'validate',
        reason: r.rejection.reason,
        path: r.rejection.path,
        detail: r.rejection.detail,
        ...(claimed ? { event: claimed } : {}),
      };
    }),
    ...outcome.duplicates.map((d): StoppedRecord => ({
      ...coordinates(d.source),
      step: 'dedupe',
      reason: 'duplicate',
      path: '',
      detail: `${d.eventType} ${d.eventId} was already accepted`,
      event: { type: d.eventType, id: d.eventId },
    })),
  ];
}
