import type { SourceKind } from '../../domain';
import {
  batchId,
  type AssignmentListener,
  type BatchHandler,
  type EventSource,
  type TopicPartitionOffset,
} from '../../ports';
import type { MemoryBus } from './memory-bus';
import type { Retention } from './retention';

export interface MemorySourceOptions {
  /** topic → which source contract it carries */
  readonly topics: ReadonlyMap<string, SourceKind>;
  readonly maxBatchSize: number;
  /**
   * For bounded input: run() returns once this says the input is complete and every partition
   * is read to its end. Without it the source waits for more, like a consumer of a live topic.
   */
  readonly inputComplete?: () => boolean;
  /**
   * Which committed records of each topic-partition stay on the bus (for inspection): at most
   * `keepLatest`, none older than `keepForMs`; the rest are dropped at commit, as a broker's
   * retention would. Unset: the bus keeps everything. This source is the bus's only consumer
   * group, so its commit is every group's.
   */
  readonly keepCommitted?: Retention;
}

/**
 * Reads the memory bus like a consumer group with a single member: it is assigned every
 * partition at the start, resumes each topic-partition where the listener says (0 when it has no
 * position), and reads them round robin.
 */
export class MemoryEventSource implements EventSource {
  private readonly positions = new Map<string, number>();
  private readonly committed = new Map<string, number>();
  /** partitions whose group the handler said it no longer owns */
  private readonly lost = new Set<number>();
  private stopping = false;

  constructor(
    private readonly bus: MemoryBus,
    private readonly options: MemorySourceOptions,
  ) {}

  private partitionNumbers(): number[] {
    const count = Math.max(
      0,
      ...[...this.options.topics.keys()].map((t) => this.bus.partitionsOf(t)),
    );
    return Array.from({ length: count }, (_, p) => p);
  }

  /** a stop() before run() counts: run() then returns at once (a restart makes a new source) */
  async run(handler: BatchHandler, assignment: AssignmentListener): Promise<void> {
    if (this.stopping) return;
    const resume: TopicPartitionOffset[] = [
      ...(await assignment.assigned(this.partitionNumbers())),
    ];
    for (const p of resume) this.positions.set(`${p.topic}:${p.partition}`, Number(p.offset));
    while (!this.stopping) {
      let delivered = 0;
      for (const [topic, kind] of this.options.topics) {
        for (let partition = 0; partition < this.bus.partitionsOf(topic); partition++) {
          if (this.stopping) return;
          if (this.lost.has(partition)) continue;
          const key = `${topic}:${partition}`;
          const from = this.positions.get(key) ?? 0;
          const records = this.bus.read(topic, partition, from, this.options.maxBatchSize);
          if (records.length === 0) continue;
          const first = (records[0] as { offset: string }).offset;
          const last = (records[records.length - 1] as { offset: string }).offset;
          const result = await handler({
            id: batchId(topic, partition, first, last),
            topic,
            kind,
            partition,
            firstOffset: first,
            lastOffset: last,
            records,
          });
          if (result === 'lost') {
            this.lost.add(partition);
            continue;
          }
          this.positions.set(key, from + records.length);
          delivered += records.length;
        }
      }
      if (delivered === 0) {
        if (this.options.inputComplete?.()) return;
        await this.bus.waitForData(200);
      }
    }
  }

  async commit(positions: readonly TopicPartitionOffset[]): Promise<void> {
    const keep = this.options.keepCommitted;
    for (const p of positions) {
      this.committed.set(`${p.topic}:${p.partition}`, Number(p.offset));
      if (keep !== undefined) this.bus.trimCommitted(p.topic, p.partition, Number(p.offset), keep);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
  }

  async lag(): Promise<ReadonlyMap<string, number>> {
    const lag = new Map<string, number>();
    for (const topic of this.options.topics.keys()) {
      for (let partition = 0; partition < this.bus.partitionsOf(topic); partition++) {
        const key = `${topic}:${partition}`;
        lag.set(
          `${topic}-${partition}`,
          this.bus.endOffset(topic, partition) - (this.positions.get(key) ?? 0),
        );
      }
    }
    return lag;
  }

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(`${topic}:${partition}`);
  }
}
