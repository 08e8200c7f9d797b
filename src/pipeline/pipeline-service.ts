import { addCounts, emptyCounts, type BatchCounts, type PipelineRules } from '../../domain';
import { nextPosition, type EventSource, type Logger, type StateStore } from '../../ports';
import { BatchPipeline, type BatchPipelineDeps } from './batch-pipeline';
import type { AggregateRefresher } from './aggregate-refresher';
import { IdleInputs } from './idle-inputs';
import { restoreState } from './restore-state';

export type ServiceStatus = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface ServiceOptions {
  /** the source topics: the inputs of every group's watermark */
  readonly inputs: readonly string[];
  /** processing time after which a caught-up, quiet input stops holding the watermark back */
  readonly idleTimeoutMs: number;
}

/**
 * The long-running service: restore state, resume the source from the stored positions, run
 * every batch through the pipeline, release what idle inputs no longer hold back, and on stop
 * finish the unit of work in flight before returning. Units of work run one at a time.
 */
export class PipelineService {
  private pipeline: BatchPipeline | undefined;
  private running: Promise<void> | undefined;
  private statusValue: ServiceStatus = 'starting';
  private serial: Promise<unknown> = Promise.resolve();
  private fail: (error: unknown) => void = () => undefined;
  private readonly idle: IdleInputs;
  readonly totals: BatchCounts = emptyCounts();
  batches = 0;

  constructor(
    private readonly source: EventSource,
    private readonly stateStore: StateStore,
    private readonly deps: BatchPipelineDeps,
    private readonly rules: PipelineRules,
    private readonly logger: Logger,
    private readonly options: ServiceOptions,
    private readonly refresher?: AggregateRefresher,
  ) {
    this.idle = new IdleInputs(source, deps.clock, options.idleTimeoutMs, (inputs) =>
      this.exclusive(() => this.markIdle(inputs)).catch((error: unknown) => this.fail(error)),
    );
  }

  get status(): ServiceStatus {
    return this.statusValue;
  }

  /** the decider state as the last unit of work left it (read-only use) */
  get state(): BatchPipeline['currentState'] | undefined {
    return this.pipeline?.currentState;
  }

  async start(): Promise<void> {
    const restored = await restoreState(this.stateStore, this.rules, this.options.inputs);
    if (this.statusValue !== 'starting') return; // stopped while restoring
    this.pipeline = new BatchPipeline(restored.state, this.deps);
    this.source.seek(restored.positions);
    this.logger.info('state restored', {
      replayedEvents: restored.replayedEvents,
      positions: restored.positions.length,
    });
    this.statusValue = 'running';
    this.refresher?.start();
    this.idle.start(() => this.pipeline?.currentState);
    // a unit of work that fails outside the source's own handler (an idle release) ends the
    // service the same way: the in-process state has moved on past what was committed
    const failed = new Promise<never>((_resolve, reject) => {
      this.fail = (error) => {
        this.idle.stop();
        void this.source.stop();
        reject(error);
      };
    });
    this.running = Promise.race([
      this.source.run((batch) => this.exclusive(() => this.handle(batch))),
      failed,
    ]).then(
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

  /** one unit of work at a time: the source's batches and the idle releases share one state */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.then(work);
    this.serial = next.catch(() => undefined);
    return next;
  }

  private async handle(batch: Parameters<BatchPipeline['handle']>[0]): Promise<void> {
    this.idle.delivered(batch.topic, batch.partition);
    const outcome = await (this.pipeline as BatchPipeline).handle(batch);
    addCounts(this.totals, outcome.counts);
    this.batches++;
    if (outcome.accepted.length > 0 || outcome.attributions.length > 0) this.refresher?.loaded();
    // advisory only: the StateStore holds the authoritative positions, committed with the state
    await this.source
      .commit([nextPosition(batch)])
      .catch(() => this.deps.metrics.error('broker_commit'));
  }

  private async markIdle(inputs: Parameters<BatchPipeline['markIdle']>[0]): Promise<void> {
    if (!this.pipeline || this.statusValue !== 'running') return;
    // one unit of work per group: a group's state is committed on its own
    for (const partition of new Set(inputs.map((i) => i.partition))) {
      const ofGroup = inputs.filter((i) => i.partition === partition);
      const outcome = await this.pipeline.markIdle(
        ofGroup,
        `idle-${partition}-${this.deps.clock.now()}`,
      );
      addCounts(this.totals, outcome.counts);
      if (outcome.attributions.length > 0) this.refresher?.loaded();
      if (outcome.events.length > 0)
        this.logger.info('inputs idle', {
          partition,
          topics: ofGroup.map((i) => i.topic).join(','),
          released: outcome.attributions.length,
        });
    }
  }

  /** resolves when the source is exhausted (bounded) or stopped; rejects when the pipeline failed */
  async finished(): Promise<void> {
    try {
      await this.running;
    } finally {
      this.idle.stop();
      await this.refresher?.stop();
    }
  }

  /** release attributions still waiting: only for bounded inputs that have ended */
  async endOfInput(): Promise<void> {
    const pipeline = this.pipeline;
    if (!pipeline) return;
    const outcome = await this.exclusive(() =>
      pipeline.flush(`end-of-input-${this.deps.clock.now()}`),
    );
    addCounts(this.totals, outcome.counts);
  }

  async stop(): Promise<void> {
    if (this.statusValue === 'starting') this.statusValue = 'stopped';
    if (this.statusValue === 'running') this.statusValue = 'draining';
    this.idle.stop();
    await this.source.stop();
    try {
      await this.running;
      await this.serial;
    } finally {
      await this.refresher?.stop();
      if (this.statusValue === 'draining') this.statusValue = 'stopped';
    }
  }
}
