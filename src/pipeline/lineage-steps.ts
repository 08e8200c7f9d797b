import type { BatchOutcome } from '../../domain';
import type { LineageStep, SourceBatch } from '../../ports';
import type { StagedObject } from './staging';

export interface RuleVersions {
  readonly code: string;
  readonly rules: string;
  readonly configHash: string;
}

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
  const ruleVersions = { code: versions.code, rules: versions.rules, config: versions.configHash };
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
