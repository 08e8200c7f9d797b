import {
  processBatch,
  type BatchOptions,
  type BatchOutcome,
  type SourceRecord,
} from '../../domain';
import {
  nextPosition,
  type EventEncoding,
  type OutageOf,
  type RecordDecoder,
  type SourceBatch,
  type StateStore,
} from '../../ports';
import type { OpenLineageSink } from '../lineage/openlineage';
import {
  applyBatchEffects,
  type AppliedEffects,
  type BatchEffectsDeps,
  type DecidedBatch,
} from './batch-effects';
import type { DependencyOutages } from './dependency-outages';
import type { OwnedPartitions } from './owned-partitions';
import { outagePolicy, type OutagePolicy } from './outage-policy';

export interface BatchPipelineDeps extends BatchEffectsDeps {
  /** raw records → what the domain validates (size check, wire formats, writer schemas) */
  readonly decoder: RecordDecoder;
  readonly stateStore: StateStore;
  readonly pseudonymizeUser: (userId: string) => string;
  /** the user under older pseudonymization keys, for attribution across a key rotation */
  readonly previousPseudonyms?: (userId: string) => readonly string[];
  /** the later stages' per-event encoders: an event one of them refuses is a processing_error */
  readonly stageEncodings?: readonly EventEncoding[];
  readonly onRetry?: (attempt: number, error: unknown) => void;
  /** which dependency an error says is down: such a unit of work waits the outage out */
  readonly outageOf?: OutageOf;
  readonly outages?: DependencyOutages;
  /** OpenLineage run events per batch (START, COMPLETE or FAIL), when configured */
  readonly openLineage?: OpenLineageSink;
}

const seconds = (fromMs: number, now: number): number => (now - fromMs) / 1000;

interface Decided {
  readonly records: SourceRecord[];
  readonly outcome: BatchOutcome;
}

/** What a unit of work did: its outcome, unless the group turned out to have a newer owner. */
export type UnitResult =
  { readonly fenced: false; readonly outcome: BatchOutcome } | { readonly fenced: true };

/**
 * One unit of work at a time, on one group: decode → decide (the pure domain) → effects
 * (batch-effects.ts). The intent is recorded before any side effect; the outcome is fixed once
 * decided, and only its idempotent side effects are retried, so a crash anywhere replays the batch
 * from the same state to the same outcome. A commit refused for a stale epoch drops the group.
 */
export class BatchPipeline {
  private readonly outages: OutagePolicy;

  constructor(
    private readonly owned: OwnedPartitions,
    private readonly deps: BatchPipelineDeps,
    /** aborted once the service is asked to stop: an outage no longer holds the unit of work */
    private readonly stop?: AbortSignal,
  ) {
    this.outages = outagePolicy({
      outageOf: deps.outageOf ?? (() => undefined),
      ...(deps.outages ? { outages: deps.outages } : {}),
      ...(deps.onRetry ? { onRetry: deps.onRetry } : {}),
    });
  }

  async handle(batch: SourceBatch): Promise<UnitResult> {
    const { deps, owned } = this;
    const { metrics } = deps;
    if (!owned.has(batch.partition)) return { fenced: true };
    // Decoding and deciding have no side effect (the registry is only read, the state only
    // changes at commit), so they overlap the intent's write, a commit of its own whose WAL flush
    // averaged 29 ms a batch on this machine; no side effect starts before the intent is written.
    // The intent is sent first: decoding may hold the thread before its first await.
    const intent = this.waitOut(() => deps.stateStore.beginBatch(batch.id));
    const [, { records, outcome }] = await Promise.all([intent, this.decide(batch)]);
    await deps.crashCheck?.('after_intent');
    await deps.openLineage?.start(batch);
    // decided once per batch, not per attempt: a retry writes the same changelog entry
    const commit = owned.commitFor(batch.partition, batch.id, outcome, [nextPosition(batch)]);

    let applied: AppliedEffects;
    try {
      applied = await this.effects({ kind: 'source', batch, records, outcome, commit });
    } catch (error) {
      await deps.openLineage?.fail(batch, error);
      throw error;
    }
    owned.committed(commit, applied.fenced);
    if (applied.fenced) {
      await deps.openLineage?.fail(
        batch,
        new Error(`partition ${batch.partition} has a new owner`),
      );
      metrics.error('ownership');
      return { fenced: true };
    }
    await deps.openLineage?.complete(batch, applied.steps);
    metrics.recordBatch(batch.kind, outcome.counts);
    return { fenced: false, outcome };
  }

  /**
   * Inputs of one group that are caught up and have been quiet for the idle timeout stop holding
   * its watermark back; whatever that releases is staged, loaded and committed like a batch.
   */
  markIdle(partition: number, topics: readonly string[], id: string): Promise<UnitResult> {
    return this.release(partition, id, {
      idleInputs: topics.map((topic) => ({ topic, partition })),
    });
  }

  /** End of a bounded input: everything still waiting is released, group by group. */
  async flush(idPrefix: string): Promise<BatchOutcome[]> {
    const outcomes: BatchOutcome[] = [];
    for (const partition of this.owned.partitions()) {
      const result = await this.release(partition, `${idPrefix}-${partition}`, {
        endOfInput: [partition],
      });
      if (!result.fenced) outcomes.push(result.outcome);
    }
    return outcomes;
  }

  private async release(
    partition: number,
    id: string,
    options: Pick<BatchOptions, 'endOfInput' | 'idleInputs'>,
  ): Promise<UnitResult> {
    const { owned, deps } = this;
    if (!owned.has(partition)) return { fenced: true };
    const outcome = processBatch(owned.state, [], deps.clock.now(), options);
    if (outcome.events.length === 0) return { fenced: false, outcome };
    await this.waitOut(() => deps.stateStore.beginBatch(id));
    const commit = owned.commitFor(partition, id, outcome, []);
    const applied = await this.effects({ kind: 'release', id, outcome, commit });
    owned.committed(commit, applied.fenced);
    if (applied.fenced) return { fenced: true };
    deps.metrics.recordBatch('click_or_conversion', outcome.counts);
    return { fenced: false, outcome };
  }

  private async decide(batch: SourceBatch): Promise<Decided> {
    const { deps, owned } = this;
    const { clock, metrics } = deps;
    let t = clock.now();
    // decoding asks the registry for writer schemas it has not seen: an outage is waited out too
    const records = await this.waitOut(() => deps.decoder.decode(batch));
    metrics.observeStage('decode', seconds(t, clock.now()));

    t = clock.now();
    const outcome = processBatch(owned.state, records, clock.now(), {
      pseudonymizeUser: deps.pseudonymizeUser,
      ...(deps.previousPseudonyms ? { previousPseudonyms: deps.previousPseudonyms } : {}),
      ...(deps.stageEncodings ? { stageEncodings: deps.stageEncodings } : {}),
    });
    metrics.observeStage('process', seconds(t, clock.now()));
    return { records, outcome };
  }

  private effects(decided: DecidedBatch): Promise<AppliedEffects> {
    return this.waitOut(() => applyBatchEffects(this.deps, decided));
  }

  /** idempotent steps only: an outage is waited out, anything else retried a few times */
  private waitOut<T>(step: () => Promise<T>): Promise<T> {
    return this.outages.run(step, this.stop);
  }
}
