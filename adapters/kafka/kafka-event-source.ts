import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import type { SourceKind } from '../../domain';
import {
  batchId,
  type BatchHandler,
  type EventSource,
  type RawRecord,
  type TopicPartitionOffset,
} from '../../ports';
import { coPartitionedAssigner } from './co-partitioned-assigner';

export interface KafkaSourceOptions {
  readonly groupId: string;
  readonly topics: ReadonlyMap<string, SourceKind>;
  readonly maxBatchSize: number;
  readonly sessionTimeoutMs?: number;
  readonly maxBytesPerPartition?: number;
  /**
   * how long a fetch waits on the broker for data (kafkajs default 5 s). stop() waits for the fetch
   * in flight, so this bounds how long an idle consumer takes to leave its group on SIGTERM.
   */
  readonly maxWaitTimeMs?: number;
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value : [value]).map((v) => v.toString()).join(',');
  }
  return out;
}

/**
 * A kafkajs consumer-group member (co-partitioned assignment, see co-partitioned-assigner.ts).
 * Each fetched partition batch is cut into chunks of at most maxBatchSize; the handler is awaited
 * before the next chunk (backpressure: kafkajs fetches no more for a partition whose batch is
 * still being handled). Offsets are not auto-committed: the StateStore is the authority, and
 * positions from it are applied with seek() after joining. A handler failure stops the consumer
 * and rejects run(): the in-process state has moved on, so letting kafkajs redeliver the batch
 * would double count; a restart restores state instead.
 */
export class KafkaEventSource implements EventSource {
  private readonly consumer: Consumer;
  private positions: readonly TopicPartitionOffset[] = [];
  /** `topic:partition` → the next offset to deliver, where known (stored position or delivered) */
  private readonly nextOffset = new Map<string, bigint>();
  /** what the group gave this member at its last join */
  private assigned: Readonly<Record<string, readonly number[]>> = {};
  private admin: Promise<Admin> | undefined;
  private finish: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: KafkaSourceOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3000,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
      ...(options.maxBytesPerPartition
        ? { maxBytesPerPartition: options.maxBytesPerPartition }
        : {}),
      retry: { retries: 5 },
      // co-partitioning: one member owns partition p of every source topic. Deliberately no
      // round-robin fallback: a member that cannot co-partition must fail to join, not split
      // a user's records across instances.
      partitionAssigners: [coPartitionedAssigner],
    });
  }

  seek(positions: readonly TopicPartitionOffset[]): void {
    this.positions = positions;
    for (const p of positions) this.nextOffset.set(`${p.topic}:${p.partition}`, BigInt(p.offset));
  }

  async run(handler: BatchHandler): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.finish = { resolve, reject }));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.fail(event.payload.error);
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.assigned = event.payload.memberAssignment;
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload, handler),
    });
    for (const p of this.positions)
      this.consumer.seek({ topic: p.topic, partition: p.partition, offset: p.offset });
    return done;
  }

  private async onBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    const { batch } = payload;
    const kind = this.options.topics.get(batch.topic);
    if (!kind) return;
    for (let i = 0; i < batch.messages.length; i += this.options.maxBatchSize) {
      if (!payload.isRunning() || payload.isStale() || this.stopping) return;
      const chunk = batch.messages.slice(i, i + this.options.maxBatchSize);
      const records: RawRecord[] = chunk.map((m) => ({
        topic: batch.topic,
        partition: batch.partition,
        offset: m.offset,
        key: m.key,
        value: m.value,
        headers: headersOf(m.headers),
        timestamp: m.timestamp,
      }));
      const first = (chunk[0] as { offset: string }).offset;
      const last = (chunk[chunk.length - 1] as { offset: string }).offset;
      try {
        await handler({
          id: batchId(batch.topic, batch.partition, first, last),
          topic: batch.topic,
          kind,
          partition: batch.partition,
          firstOffset: first,
          lastOffset: last,
          records,
        });
      } catch (error) {
        this.fail(error);
        return;
      }
      payload.resolveOffset(last);
      this.nextOffset.set(`${batch.topic}:${batch.partition}`, BigInt(last) + 1n);
      await payload.heartbeat();
    }
  }

  private fail(error: unknown): void {
    const finish = this.finish;
    this.finish = undefined;
    void this.shutdown().finally(() => finish?.reject(error));
  }

  async commit(positions: readonly TopicPartitionOffset[]): Promise<void> {
    if (positions.length === 0 || this.stopping) return;
    await this.consumer.commitOffsets(
      positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset })),
    );
  }

  /** kafkajs's stop() waits for the batch in flight; disconnect() then leaves the group */
  private shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      await this.consumer.stop();
      await this.consumer.disconnect();
      await this.admin?.then((a) => a.disconnect()).catch(() => undefined);
    })();
    return this.stopping;
  }

  async stop(): Promise<void> {
    await this.shutdown();
    const finish = this.finish;
    this.finish = undefined;
    finish?.resolve();
  }

  /**
   * Records not yet delivered, per assigned topic-partition: the high watermark minus the next
   * offset to deliver (the partition's low watermark when nothing is known yet, as a consumer
   * starting from the beginning would read from there).
   */
  async lag(): Promise<ReadonlyMap<string, number>> {
    if (this.stopping) return new Map();
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    const admin = await this.admin.catch((error: unknown) => {
      this.admin = undefined; // the next call connects again
      throw error;
    });
    const lag = new Map<string, number>();
    for (const [topic, partitions] of Object.entries(this.assigned)) {
      if (!this.options.topics.has(topic) || partitions.length === 0) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) {
        if (!partitions.includes(p.partition)) continue;
        const next = this.nextOffset.get(`${topic}:${p.partition}`) ?? BigInt(p.low);
        const behind = BigInt(p.high) - next;
        lag.set(`${topic}-${p.partition}`, Number(behind > 0n ? behind : 0n));
      }
    }
    return lag;
  }
}
