import {
  addCounts,
  emptyCounts,
  type BatchCounts,
  type PipelineRules,
  type PipelineState,
} from '../../domain';
import {
  nextPosition,
  type AssignmentListener,
  type BatchResult,
  type EventSource,
  type Logger,
  type StateStore,
  type TopicPartitionOffset,
} from '../../ports';
import { BatchPipeline, type BatchPipelineDeps } from './batch-pipeline';
import type { AggregateRefresher } from './aggregate-refresher';
import { GroupLanes } from './group-lanes';
import { IdleInputs } from './idle-inputs';
import type { SnapshotCadence } from './snapshot-cadence';
import { OwnedPartitions } from './owned-partitions';

export type ServiceStatus = 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

export interface ServiceOptions {
  /** the source topics: the inputs of every group's watermark */
  readonly inputs: readonly string[];
  /** processing time after which a caught-up, quiet input stops holding the watermark back */
  readonly idleTimeoutMs: number;
  /** this member's name in the ownership leases (host, process, a random part) */
  readonly owner: string;
  /** when a group's commit also takes a snapshot (src/pipeline/snapshot-cadence.ts) */
  readonly snapshotCadence: SnapshotCadence;
}

/**
 * The long-running service: the source tells it which groups are its own, each is acquired and
 * restored before its first batch and dropped when revoked or fenced; every batch goes through
 * the pipeline, idle inputs release what they no longer hold back, and on stop the units of work in
 * flight finish before it returns. A group's units run one at a time; different groups' overlap
 * (group-lanes.ts), as many as the source delivers at once.
 */
export class PipelineService {
  private pipeline: BatchPipeline | undefined;
  private owned: OwnedPartitions | undefined;
  private running: Promise<void> | undefined;
  private statusValue: ServiceStatus = 'starting';
  private readonly lanes = new GroupLanes();
  private fail: (error: unknown) => void = () => undefined;
  /** aborted by stop(): a unit of work waiting out an outage gives up, uncommitted */
  private readonly stopping = new AbortController();
  private readonly idle: IdleInputs;
  /**
   * the first unit of work that failed. Its events are decided into the in-memory state but not
   * committed, so no later unit may commit on top of that state: a snapshot it took would hold
   * them while the failed unit's positions stay behind, and a replay would then drop them as
   * duplicates. Units of the same group queued behind it (another topic's batch) fail too.
   */
  private failure: { readonly error: unknown } | undefined;
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
      this.markIdle(inputs).catch((error: unknown) => this.fail(error)),
    );
  }

  get status(): ServiceStatus {
    return this.statusValue;
  }

  /** the decider state of the groups owned now, as the last unit of work left it (read only) */
  get state(): PipelineState | undefined {
    return this.owned?.state;
  }

  async start(): Promise<void> {
    if (this.statusValue !== 'starting') return;
    const owned = new OwnedPartitions(
      this.stateStore,
      this.rules,
      this.options.inputs,
      this.options.owner,
      this.options.snapshotCadence,
      this.logger,
    );
    this.owned = owned;
    this.pipeline = new BatchPipeline(owned, this.deps, this.stopping.signal);
    this.statusValue = 'running';
    this.refresher?.start();
    this.idle.start(() => owned.state);
    const assignment: AssignmentListener = {
      assigned: (partitions) =>
        this.lanes.all(async () => {
          this.deps.outages?.recovered('kafka');
          const positions: TopicPartitionOffset[] = [];
          for (const p of partitions) positions.push(...(await owned.acquire(p)));
          return positions;
        }),
      revoked: (partitions) =>
        this.lanes.all(async () => {
          for (const p of partitions) owned.release(p, 'revoked');
        }),
      unavailable: (error) => this.deps.outages?.failed('kafka', error),
    };
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
      this.source.run(
        (batch) => this.lanes.run(batch.partition, () => this.handle(batch)),
        assignment,
      ),
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

  private async handle(batch: Parameters<BatchPipeline['handle']>[0]): Promise<BatchResult> {
    if (this.failure) throw this.failure.error;
    this.idle.delivered(batch.topic, batch.partition);
    const result = await this.failing(() => (this.pipeline as BatchPipeline).handle(batch));
    if (result.fenced) return 'lost';
    const { outcome } = result;
    addCounts(this.totals, outcome.counts);
    this.batches++;
    if (outcome.accepted.length > 0 || outcome.attributions.length > 0) this.refresher?.loaded();
    // advisory only: the StateStore holds the authoritative positions, committed with the state
    await this.source
      .commit([nextPosition(batch)])
      .catch(() => this.deps.metrics.error('broker_commit'));
    return 'done';
  }

  private async markIdle(inputs: Parameters<IdleInputs['markIdle']>[0]): Promise<void> {
    const pipeline = this.pipeline;
    if (!pipeline || this.statusValue !== 'running') return;
    // one unit of work per group, in the group's lane: a group's state is committed on its own
    const groups = [...new Set(inputs.map((i) => i.partition))];
    await Promise.all(
      groups.map((partition) =>
        this.lanes.run(partition, () => this.markGroupIdle(pipeline, partition, inputs)),
      ),
    );
  }

  private async markGroupIdle(
    pipeline: BatchPipeline,
    partition: number,
    inputs: Parameters<IdleInputs['markIdle']>[0],
  ): Promise<void> {
    if (!this.owned?.has(partition) || this.statusValue !== 'running' || this.failure) return;
    const topics = inputs.filter((i) => i.partition === partition).map((i) => i.topic);
    const id = `idle-${partition}-${this.deps.clock.now()}`;
    const result = await this.failing(() => pipeline.markIdle(partition, topics, id));
    if (result.fenced || result.outcome.events.length === 0) return;
    addCounts(this.totals, result.outcome.counts);
    if (result.outcome.attributions.length > 0) this.refresher?.loaded();
    this.logger.info('inputs idle', {
      partition,
      topics: topics.join(','),
      released: result.outcome.attributions.length,
    });
  }

  /** a unit of work, remembered as the service's failure when it fails */
  private async failing<T>(unit: () => Promise<T>): Promise<T> {
    try {
      return await unit();
    } catch (error) {
      this.failure ??= { error };
      throw error;
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
    const outcomes = await this.lanes.all(() =>
      pipeline.flush(`end-of-input-${this.deps.clock.now()}`),
    );
    for (const outcome of outcomes) addCounts(this.totals, outcome.counts);
  }

  async stop(): Promise<void> {
    if (this.statusValue === 'starting') this.statusValue = 'stopped';
    if (this.statusValue === 'running') this.statusValue = 'draining';
    this.stopping.abort();
    this.idle.stop();
    await this.source.stop();
    try {
      await this.running;
      await this.lanes.settled();
    } finally {
      await this.refresher?.stop();
      if (this.statusValue === 'draining') this.statusValue = 'stopped';
    }
  }
}
