import { processBatch, type BatchOptions, type BatchOutcome } from '../../domain';
import { nextPosition, type RecordDecoder, type SourceBatch, type StateStore } from '../../ports';
import type { OpenLineageSink } from '../lineage/openlineage';
import {
  applyBatchEffects,
  type AppliedEffects,
  type BatchEffectsDeps,
  type DecidedBatch,
} from './batch-effects';
import type { OwnedPartitions } from './owned-partitions';

export interface BatchPipelineDeps extends BatchEffectsDeps {
  /** raw records → what the domain validates (size check, wire formats, writer schemas) */
  readonly decoder: RecordDecoder;
  readonly stateStore: StateStore;
  readonly pseudonymizeUser: (userId: string) => string;
  /** the user under older pseudonymization keys, for attribution across a key rotation */
  readonly previousPseudonyms?: (userId: string) => readonly string[];
  readonly onRetry?: (attempt: number, error: unknown) => void;
  /** OpenLineage run events per batch (START, COMPLETE or FAIL), when configured */
  readonly openLineage?: OpenLineageSink;
}

const RETRY_DELAYS_MS = [100, 500, 2000, 5000];

async function withRetries<T>(
  effect: () => Promise<T>,
  onRetry?: (attempt: number, error: unknown) => void,
): Promise<T> {
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

const seconds = (fromMs: number, now: number): number => (now - fromMs) / 1000;

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
  constructor(
    private readonly owned: OwnedPartitions,
    private readonly deps: BatchPipelineDeps,
  ) {}

  async handle(batch: SourceBatch): Promise<UnitResult> {
    const { deps, owned } = this;
    const { clock, metrics } = deps;
    if (!owned.has(batch.partition)) return { fenced: true };
    await deps.stateStore.beginBatch(batch.id);
    await deps.crashCheck?.('after_intent');
    await deps.openLineage?.start(batch);

    let t = clock.now();
    const records = await deps.decoder.decode(batch);
    metrics.observeStage('decode', seconds(t, clock.now()));

    t = clock.now();
    const outcome = processBatch(owned.state, records, clock.now(), {
      pseudonymizeUser: deps.pseudonymizeUser,
      ...(deps.previousPseudonyms ? { previousPseudonyms: deps.previousPseudonyms } : {}),
    });
    metrics.observeStage('process', seconds(t, clock.now()));
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
    await deps.stateStore.beginBatch(id);
    const commit = owned.commitFor(partition, id, outcome, []);
    const applied = await this.effects({ kind: 'release', id, outcome, commit });
    owned.committed(commit, applied.fenced);
    if (applied.fenced) return { fenced: true };
    deps.metrics.recordBatch('click_or_conversion', outcome.counts);
    return { fenced: false, outcome };
  }

  private effects(decided: DecidedBatch): Promise<AppliedEffects> {
    return withRetries(() => applyBatchEffects(this.deps, decided), this.deps.onRetry);
  }
}
