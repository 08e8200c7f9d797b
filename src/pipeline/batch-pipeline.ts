import {
  processBatch,
  snapshotOf,
  type BatchOutcome,
  type IdleInput,
  type PipelineState,
} from '../../domain';
import type { LineageStep, RecordDecoder, SourceBatch, StateStore } from '../../ports';
import type { OpenLineageSink } from '../lineage/openlineage';
import { applyBatchEffects, type BatchEffectsDeps, type DecidedBatch } from './batch-effects';

export interface BatchPipelineDeps extends BatchEffectsDeps {
  /** raw records → what the domain validates (size check, wire formats, writer schemas) */
  readonly decoder: RecordDecoder;
  readonly stateStore: StateStore;
  readonly pseudonymizeUser: (userId: string) => string;
  /** a snapshot replaces the changelog every this many batches */
  readonly snapshotEvery: number;
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

/**
 * One unit of work at a time: decode → decide (the pure domain) → effects (batch-effects.ts). The
 * intent is recorded before any side effect; the outcome is fixed once decided, and only its
 * idempotent side effects are retried, so a crash anywhere replays the batch from the same state
 * to the same outcome.
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
    metrics.observeStage('decode', seconds(t, clock.now()));

    t = clock.now();
    const outcome = processBatch(this.state, records, clock.now(), {
      pseudonymizeUser: deps.pseudonymizeUser,
    });
    this.state = outcome.state;
    metrics.observeStage('process', seconds(t, clock.now()));

    // decided once per batch, not per attempt: a retry must not re-serialize the state or count
    // towards the next snapshot again
    this.batchesSinceSnapshot++;
    const snapshot =
      this.batchesSinceSnapshot >= deps.snapshotEvery ? snapshotOf(this.state) : undefined;

    let steps: readonly LineageStep[];
    try {
      steps = await this.effects({
        kind: 'source',
        batch,
        records,
        outcome,
        ...(snapshot !== undefined ? { snapshot } : {}),
      });
      if (snapshot !== undefined) this.batchesSinceSnapshot = 0;
    } catch (error) {
      await deps.openLineage?.fail(batch, error);
      throw error;
    }
    await deps.openLineage?.complete(batch, steps);
    metrics.recordBatch(batch.kind, outcome.counts);
    return outcome;
  }

  /**
   * Inputs that are caught up and have been quiet for the idle timeout stop holding their group's
   * watermark back; whatever that releases is staged, loaded and committed like a batch.
   */
  markIdle(inputs: readonly IdleInput[], id: string): Promise<BatchOutcome> {
    return this.release(id, { idleInputs: inputs });
  }

  /** End of a bounded input: everything still waiting is released. */
  flush(id: string): Promise<BatchOutcome> {
    return this.release(id, { endOfInput: true });
  }

  private async release(
    id: string,
    options: { endOfInput?: boolean; idleInputs?: readonly IdleInput[] },
  ): Promise<BatchOutcome> {
    const outcome = processBatch(this.state, [], this.deps.clock.now(), options);
    this.state = outcome.state;
    if (outcome.events.length === 0) return outcome;
    await this.deps.stateStore.beginBatch(id);
    await this.effects({ kind: 'release', id, outcome });
    this.deps.metrics.recordBatch('click_or_conversion', outcome.counts);
    return outcome;
  }

  private effects(decided: DecidedBatch): Promise<readonly LineageStep[]> {
    return withRetries(() => applyBatchEffects(this.deps, decided), this.deps.onRetry);
  }
}
