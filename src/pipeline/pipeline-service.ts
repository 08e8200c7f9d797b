import { addCounts, emptyCounts, type BatchCounts, type PipelineRules } from '../../domain';
import type { PipelineState } from '../../domain';
import { nextPosition, type EventSource, type Logger, type StateStore } from '../../ports';
import { BatchPipeline, type BatchPipelineDeps } from './batch-pipeline';
import type { AggregateRefresher } from './aggregate-refresher';
import { restoreState } from './restore-state';

export type ServiceStatus = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

/**
 * The long-running service: restore state, resume the source from the stored positions, run
 * every batch through the pipeline, and on stop finish the batch in flight before returning.
 */
export class PipelineService {
  private pipeline: BatchPipeline | undefined;
  private running: Promise<void> | undefined;
  private statusValue: ServiceStatus = 'starting';
  readonly totals: BatchCounts = emptyCounts();
  batches = 0;

  constructor(
    private readonly source: EventSource,
    private readonly stateStore: StateStore,
    private readonly deps: BatchPipelineDeps,
    private readonly rules: PipelineRules,
    private readonly logger: Logger,
    private readonly refresher?: AggregateRefresher,
  ) {}

  get status(): ServiceStatus {
    return this.statusValue;
  }

  /** the decider state as of the last batch; undefined until start() restored it */
  get state(): PipelineState | undefined {
    return this.pipeline?.currentState;
  }

  async start(): Promise<void> {
    const restored = await restoreState(this.stateStore, this.rules);
    if (this.statusValue !== 'starting') return; // stopped while restoring
    this.pipeline = new BatchPipeline(restored.state, this.deps);
    this.source.seek(restored.positions);
    this.logger.info('state restored', {
      replayedEvents: restored.replayedEvents,
      positions: restored.positions.length,
    });
    this.statusValue = 'running';
    this.refresher?.start();
    this.running = this.source
      .run((batch) => this.handle(batch))
      .then(
        () => {
          if (this.statusValue === 'running') this.statusValue = 'stopped';
        },
        (error: unknown) => {
          this.statusValue = 'failed';
          this.deps.metrics.error('pipeline');
          throw error;
        },
      );
  }

  private async handle(batch: Parameters<BatchPipeline['handle']>[0]): Promise<void> {
    const outcome = await (this.pipeline as BatchPipeline).handle(batch);
    addCounts(this.totals, outcome.counts);
    this.batches++;
    if (outcome.accepted.length > 0 || outcome.attributions.length > 0) this.refresher?.loaded();
    // advisory only: the StateStore holds the authoritative positions, committed with the state
    await this.source
      .commit([nextPosition(batch)])
      .catch(() => this.deps.metrics.error('broker_commit'));
  }

  /** resolves when the source is exhausted (bounded) or stopped; rejects when the pipeline failed */
  async finished(): Promise<void> {
    try {
      await this.running;
    } finally {
      await this.refresher?.stop();
    }
  }

  /** release attributions still waiting: only for bounded inputs that have ended */
  async endOfInput(): Promise<void> {
    if (!this.pipeline) return;
    const outcome = await this.pipeline.flush(`end-of-input-${this.deps.clock.now()}`);
    addCounts(this.totals, outcome.counts);
  }

  async stop(): Promise<void> {
    if (this.statusValue === 'starting') this.statusValue = 'stopped';
    if (this.statusValue === 'running') this.statusValue = 'draining';
    await this.source.stop();
    try {
      await this.running;
    } finally {
      await this.refresher?.stop();
      if (this.statusValue === 'draining') this.statusValue = 'stopped';
    }
  }
}
