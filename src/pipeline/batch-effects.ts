import type { BatchOutcome, SourceRecord } from '../../domain';
import type {
  BatchCommitter,
  BatchLineageRecord,
  Clock,
  DeadLetter,
  EventPublisher,
  LineageLog,
  LineageStep,
  Metrics,
  PartitionCommit,
  ObjectStore,
  RawRecord,
  SourceBatch,
} from '../../ports';
import type { CrashCheck } from './crash-points';
import {
  flushLineageSteps,
  lineageSteps,
  stoppedRecords,
  type RuleVersions,
} from './lineage-steps';
import { observeLoadFreshness } from './load-freshness';
import { FACT_TABLE, stageBatch } from './staging';

export interface BatchEffectsDeps {
  readonly store: ObjectStore;
  /** loads the rows and commits state + offsets, in one transaction where the adapters allow */
  readonly committer: BatchCommitter;
  readonly publisher: EventPublisher;
  readonly lineage: LineageLog;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly versions: RuleVersions;
  /** failpoints for the exactly-once test; a no-op in normal runs */
  readonly crashCheck?: CrashCheck;
}

/**
 * What was decided for one unit of work: a source batch (one topic-partition's offset range, with
 * its raw and decoded records), or a unit with no source records (attributions released because
 * inputs went idle or the input ended), whose lineage is attribute → stage → load.
 */
export type DecidedBatch =
  | {
      readonly kind: 'source';
      readonly batch: SourceBatch;
      readonly records: readonly SourceRecord[];
      readonly outcome: BatchOutcome;
      /** the group's state commit: changelog entry, positions, snapshot, under its epoch */
      readonly commit: PartitionCommit;
    }
  | {
      readonly kind: 'release';
      readonly id: string;
      readonly outcome: BatchOutcome;
      readonly commit: PartitionCommit;
    };

export interface AppliedEffects {
  readonly steps: readonly LineageStep[];
  /** the group has a newer owner: nothing of the batch was kept where load and state share a transaction */
  readonly fenced: boolean;
}

const seconds = (fromMs: number, clock: Clock): number => (clock.now() - fromMs) / 1000;

/**
 * The side effects of a decided batch: stage and publish (at once) → lineage → load + state +
 * offsets. The combined commit is last: once the offsets advance the batch is never read again,
 * so everything before it must already be done (and is idempotent, since a crash before the
 * commit repeats it: deterministic staging keys, ledger-guarded load, lineage keyed by batch and
 * step).
 */
export async function applyBatchEffects(
  deps: BatchEffectsDeps,
  decided: DecidedBatch,
): Promise<AppliedEffects> {
  const { clock, metrics } = deps;
  const { outcome } = decided;
  const id = decided.kind === 'source' ? decided.batch.id : decided.id;

  // staging (S3) and publishing (Kafka) do not depend on each other: they overlap
  const [staged] = await bothSettled(
    (async () => {
      const t = clock.now();
      const rows = await stageBatch(deps.store, id, outcome.accepted, outcome.attributions);
      metrics.bytesStaged(rows.reduce((n, s) => n + s.bytes, 0));
      metrics.observeStage('stage', seconds(t, clock));
      await deps.crashCheck?.('after_stage');
      return rows;
    })(),
    (async () => {
      if (decided.kind !== 'source') return;
      const t = clock.now();
      await deps.publisher.publishAdEvents(outcome.accepted);
      await deps.publisher.publishDeadLetters(
        deadLetters(decided.batch.records, decided.records, outcome),
      );
      metrics.observeStage('publish', seconds(t, clock));
      await deps.crashCheck?.('after_publish');
    })(),
  );

  const loadedTables = [...new Set(outcome.accepted.map((e) => FACT_TABLE[e.eventType]))];
  const lineage: BatchLineageRecord =
    decided.kind === 'source'
      ? {
          steps: lineageSteps(
            decided.batch,
            outcome,
            staged,
            loadedTables,
            deps.versions,
            clock.now(),
          ),
          stopped: stoppedRecords(id, outcome, decided.records),
        }
      : { steps: flushLineageSteps(id, outcome, staged, deps.versions, clock.now()), stopped: [] };
  // a committer that records lineage writes it in the load's transaction, below
  if (!deps.committer.recordsLineage) await deps.lineage.append(lineage);
  await deps.crashCheck?.('after_lineage');

  const t = clock.now();
  const source = decided.kind === 'source' ? decided.batch : undefined;
  const load = await deps.committer.loadAndCommit(
    {
      batchId: id,
      events: outcome.accepted,
      attributions: outcome.attributions,
      stagedKeys: staged.map((s) => s.key),
      ...(source
        ? {
            source: {
              topic: source.topic,
              partition: source.partition,
              firstOffset: source.firstOffset,
              lastOffset: source.lastOffset,
              received: outcome.counts.received,
              accepted: outcome.counts.accepted,
              rejected: outcome.counts.rejected,
              duplicates: outcome.counts.duplicates,
            },
          }
        : {}),
    },
    decided.commit,
    lineage,
  );
  metrics.observeStage('load', seconds(t, clock));
  if (load.loaded) {
    for (const table of loadedTables) {
      metrics.rowsLoaded(
        table,
        outcome.accepted.filter((e) => FACT_TABLE[e.eventType] === table).length,
      );
    }
    const now = clock.now();
    if (source) observeLoadFreshness(metrics, source, outcome.accepted, now);
    metrics.loadSucceeded(now);
  }
  await deps.crashCheck?.('after_commit');
  return { steps: lineage.steps, fenced: load.fenced };
}

/**
 * Both, or the first failure once both have ended: a retry of the unit must not start while
 * half of the previous attempt is still running.
 */
async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}

function deadLetters(
  raw: readonly RawRecord[],
  decoded: readonly SourceRecord[],
  outcome: BatchOutcome,
): DeadLetter[] {
  const byOffset = new Map(raw.map((r, i) => [r.offset, { record: r, decoded: decoded[i] }]));
  return outcome.rejections.flatMap((rej) => {
    const found = byOffset.get(rej.source.offset);
    // a rejection must reach the dead-letter topic; losing one silently would break conservation
    if (!found)
      throw new Error(
        `rejected record ${rej.source.topic}/${rej.source.partition}/${rej.source.offset} is not in its batch`,
      );
    return [
      {
        record: found.record,
        rejection: rej.rejection,
        format: rej.source.format,
        ...(rej.source.schemaId !== undefined ? { schemaId: rej.source.schemaId } : {}),
      },
    ];
  });
}
