import {
  processBatch,
  snapshotOf,
  type BatchOutcome,
  type PipelineState,
  type SourceRecord,
} from '../../domain';
import type {
  BatchCommitter,
  Clock,
  DeadLetter,
  EventPublisher,
  LineageLog,
  LineageStep,
  Metrics,
  ObjectStore,
  RawRecord,
  RecordDecoder,
  SourceBatch,
  StateStore,
} from '../../ports';
import { nextPosition } from '../../ports';
import type { OpenLineageSink } from '../lineage/openlineage';
import type { CrashCheck } from './crash-points';
import {
  flushLineageSteps,
  lineageSteps,
  stoppedRecords,
  type RuleVersions,
} from './lineage-steps';
import { stageBatch, FACT_TABLE } from './staging';

export interface BatchPipelineDeps {
  /** raw records → what the domain validates (size check, wire formats, writer schemas) */
  readonly decoder: RecordDecoder;
  readonly store: ObjectStore;
  /** loads the rows and commits state + offsets, in one transaction where the adapters allow */
  readonly committer: BatchCommitter;
  readonly publisher: EventPublisher;
  readonly stateStore: StateStore;
  readonly lineage: LineageLog;
  readonly metrics: Metrics;
  readonly clock: Clock;
  readonly pseudonymizeUser: (userId: string) => string;
  readonly versions: RuleVersions;
  /** a snapshot replaces the changelog every this many batches */
  readonly snapshotEvery: number;
  readonly onRetry?: (attempt: number, error: unknown) => void;
  /** OpenLineage run events per batch (START, COMPLETE or FAIL), when configured */
  readonly openLineage?: OpenLineageSink;
  /** failpoints for the exactly-once test; a no-op in normal runs */
  readonly crashCheck?: CrashCheck;
}

const RETRY_DELAYS_MS = [100, 500, 2000, 5000];

async function withRetries(
  effect: () => Promise<void>,
  onRetry?: (attempt: number, error: unknown) => void,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await effect();
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt];
      if (delay === undefined) throw error;
      onRetry?.(attempt + 1, error);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

const seconds = (fromMs: number, clock: Clock): number => (clock.now() - fromMs) / 1000;

/**
 * The exactly-once effect for one batch: intent, then idempotent side effects (deterministic
 * staging keys, ledger-guarded load, lineage keyed by batch and step), and last the state and
 * the next offsets in one commit. A crash anywhere replays the batch from the same state to the
 * same outcome, and every side effect absorbs the repeat.
 */
export class BatchPipeline {
  private batchesSinceSnapshot = 0;

  constructor(
    private state: PipelineState,
    private readonly deps: BatchPipelineDeps,
  ) {}

  get currentState(): PipelineState {
    return this.state;
  }

  async handle(batch: SourceBatch): Promise<BatchOutcome> {
    const { deps } = this;
    const { clock, metrics } = deps;
    await deps.stateStore.beginBatch(batch.id);
    deps.crashCheck?.('after_intent');
    await deps.openLineage?.start(batch);

    let t = clock.now();
    const records = await deps.decoder.decode(batch);
    metrics.observeStage('decode', seconds(t, clock));

    t = clock.now();
    const outcome = processBatch(this.state, records, clock.now(), {
      pseudonymizeUser: deps.pseudonymizeUser,
    });
    this.state = outcome.state;
    metrics.observeStage('process', seconds(t, clock));

    // decided once per batch, not per attempt: a retry must not re-serialize the state or count
    // towards the next snapshot again
    this.batchesSinceSnapshot++;
    const snapshot =
      this.batchesSinceSnapshot >= deps.snapshotEvery ? snapshotOf(this.state) : undefined;

    // the outcome is fixed now; only its idempotent side effects are retried
    let steps: LineageStep[] = [];
    try {
      await withRetries(async () => {
        steps = await this.applyEffects(batch, records, outcome, snapshot);
      }, deps.onRetry);
      if (snapshot !== undefined) this.batchesSinceSnapshot = 0;
    } catch (error) {
      await deps.openLineage?.fail(batch, error);
      throw error;
    }
    await deps.openLineage?.complete(batch, steps);
    metrics.recordBatch(batch.kind, outcome.counts);
    return outcome;
  }

  /** Side effects of an outcome that has no source batch: attributions released at end of input. */
  async flush(batchId: string): Promise<BatchOutcome> {
    const outcome = processBatch(this.state, [], this.deps.clock.now(), { endOfInput: true });
    this.state = outcome.state;
    if (outcome.events.length === 0) return outcome;
    const { deps } = this;
    await deps.stateStore.beginBatch(batchId);
    const staged = await stageBatch(deps.store, batchId, [], outcome.attributions);
    const lineage = {
      steps: flushLineageSteps(batchId, outcome, staged, deps.versions, deps.clock.now()),
      stopped: [],
    };
    if (!deps.committer.recordsLineage) await deps.lineage.append(lineage);
    await deps.committer.loadAndCommit(
      {
        batchId,
        events: [],
        attributions: outcome.attributions,
        stagedKeys: staged.map((s) => s.key),
      },
      { batchId, events: outcome.events, positions: [] },
      lineage,
    );
    deps.metrics.recordBatch('click_or_conversion', outcome.counts);
    return outcome;
  }

  /**
   * stage → publish → lineage → load + state + offsets. The combined commit is last: once the
   * offsets advance the batch is never read again, so everything before it must already be done
   * (and is idempotent, since a crash before the commit repeats it).
   */
  private async applyEffects(
    batch: SourceBatch,
    records: readonly SourceRecord[],
    outcome: BatchOutcome,
    snapshot: string | undefined,
  ): Promise<LineageStep[]> {
    const { deps } = this;
    const { clock, metrics } = deps;

    let t = clock.now();
    const staged = await stageBatch(deps.store, batch.id, outcome.accepted, outcome.attributions);
    metrics.bytesStaged(staged.reduce((n, s) => n + s.bytes, 0));
    metrics.observeStage('stage', seconds(t, clock));
    deps.crashCheck?.('after_stage');

    t = clock.now();
    await deps.publisher.publishAdEvents(outcome.accepted);
    await deps.publisher.publishDeadLetters(deadLetters(batch.records, records, outcome));
    metrics.observeStage('publish', seconds(t, clock));
    deps.crashCheck?.('after_publish');

    const loadedTables = [...new Set(outcome.accepted.map((e) => FACT_TABLE[e.eventType]))];
    const steps = lineageSteps(batch, outcome, staged, loadedTables, deps.versions, clock.now());
    const lineage = { steps, stopped: stoppedRecords(batch.id, outcome, records) };
    // a committer that records lineage writes it in the load's transaction, below
    if (!deps.committer.recordsLineage) await deps.lineage.append(lineage);
    deps.crashCheck?.('after_lineage');

    t = clock.now();
    const load = await deps.committer.loadAndCommit(
      {
        batchId: batch.id,
        events: outcome.accepted,
        attributions: outcome.attributions,
        stagedKeys: staged.map((s) => s.key),
        source: {
          topic: batch.topic,
          partition: batch.partition,
          firstOffset: batch.firstOffset,
          lastOffset: batch.lastOffset,
          received: outcome.counts.received,
          accepted: outcome.counts.accepted,
          rejected: outcome.counts.rejected,
          duplicates: outcome.counts.duplicates,
        },
      },
      {
        batchId: batch.id,
        events: outcome.events,
        positions: [nextPosition(batch)],
        ...(snapshot !== undefined ? { snapshot } : {}),
      },
      lineage,
    );
    metrics.observeStage('commit', seconds(t, clock));
    if (load.loaded) {
      for (const table of loadedTables) {
        metrics.rowsLoaded(
          table,
          outcome.accepted.filter((e) => FACT_TABLE[e.eventType] === table).length,
        );
      }
      const now = clock.now();
      for (const e of outcome.accepted)
        metrics.observeEventTimeLag(Math.max(0, (now - e.eventTime) / 1000));
      metrics.loadSucceeded(now);
    }
    deps.crashCheck?.('after_commit');
    return steps;
  }
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
