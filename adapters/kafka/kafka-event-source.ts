import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { SourceKind } from '../../domain';
import {
  batchId,
  type AssignmentListener,
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
   * topic-partitions whose batches are handed to the handler at once (default 1). The handler
   * keeps a group's batches in order; batches of one topic-partition are always one at a time.
   */
  readonly concurrentPartitions?: number;
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

const at = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * A kafkajs consumer-group member (co-partitioned assignment, see co-partitioned-assigner.ts).
 *
 * Ownership: at every group join the member hands the groups it lost to the listener's revoked()
 * and all groups it now has to assigned() — which restores them — and delivers nothing of a group
 * until that is done. Positions: the listener's (the StateStore's) are authoritative; the member
 * seeks to them, a topic-partition without one starts at its earliest offset, and a fetched batch
 * that does not start at the expected offset is cut to it (already committed records) or answered
 * with a seek (a gap), so Kafka's advisory offsets never decide what is read. A group the handler
 * reports lost (fenced by a newer owner) is paused until the next join.
 *
 * Each fetched partition batch is cut into chunks of at most maxBatchSize; the handler is awaited
 * before the next chunk of the topic-partition (backpressure); up to concurrentPartitions
 * topic-partitions are in the handler at once. A handler failure stops the consumer and rejects run(): the
 * in-process state has moved on, so a restart restores state instead.
 */
export class KafkaEventSource implements EventSource {
  private readonly consumer: Consumer;
  /** `topic:partition` → the next offset to deliver */
  private readonly expected = new Map<string, bigint>();
  /** the groups (partition numbers) restored and ready to be delivered */
  private owned = new Set<number>();
  /** what the group gave this member at its last join */
  private assigned: Readonly<Record<string, readonly number[]>> = {};
  /** the latest join's hand-over, which every batch waits for */
  private ready: Promise<void> = Promise.resolve();
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
      // a third of the session, as Kafka recommends, so one lost heartbeat does not end it
      heartbeatInterval: Math.min(3000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
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

  async run(handler: BatchHandler, assignment: AssignmentListener): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.finish = { resolve, reject }));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      // kafkajs restarts the consumer itself after a retriable crash (a broker restart): the
      // next join hands the groups over again, from the stored positions
      if (event.payload.restart) assignment.unavailable?.(event.payload.error);
      else this.fail(event.payload.error);
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      const joined = event.payload.memberAssignment;
      this.ready = this.ready
        .then(() => this.handOver(joined, assignment))
        .catch((error: unknown) => this.fail(error));
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics.keys()], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrentPartitions ?? 1,
      eachBatch: (payload) => this.onBatch(payload, handler),
    });
    return done;
  }

  private sourceTopics(joined: Readonly<Record<string, readonly number[]>>): [string, number[]][] {
    return Object.entries(joined)
      .filter(([topic]) => this.options.topics.has(topic))
      .map(([topic, partitions]) => [topic, [...partitions]]);
  }

  /** Revoke what left, restore everything assigned, then seek every topic-partition to its place. */
  private async handOver(
    joined: Readonly<Record<string, readonly number[]>>,
    assignment: AssignmentListener,
  ): Promise<void> {
    // a member that is stopping is leaving the group: a join that lands during its drain (or was
    // queued just before it) hands nothing over; it would acquire groups, and open an admin
    // client, that nothing releases
    if (this.stopping) return;
    const topics = this.sourceTopics(joined);
    const next = new Set(topics.flatMap(([, partitions]) => partitions));
    const revoked = [...this.owned].filter((p) => !next.has(p));
    this.owned = new Set();
    this.assigned = joined;
    if (revoked.length > 0) await assignment.revoked(revoked);
    const positions = await assignment.assigned([...next].sort((a, b) => a - b));
    const stored = new Map(positions.map((p) => [at(p.topic, p.partition), BigInt(p.offset)]));
    const admin = await this.adminClient();
    for (const [topic, partitions] of topics) {
      const low = new Map(
        (await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.low)]),
      );
      for (const partition of partitions) {
        const offset = stored.get(at(topic, partition)) ?? low.get(partition) ?? 0n;
        this.expected.set(at(topic, partition), offset);
        this.consumer.seek({ topic, partition, offset: offset.toString() });
      }
      this.consumer.resume([{ topic, partitions }]);
    }
    this.owned = next;
  }

  private adminClient(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })();
    return this.admin.catch((error: unknown) => {
      this.admin = undefined; // the next call connects again
      throw error;
    });
  }

  /** The batch's messages from the expected offset on; undefined when it must be fetched again. */
  private alignedMessages(payload: EachBatchPayload): KafkaMessage[] | undefined {
    const { batch } = payload;
    const expected = this.expected.get(at(batch.topic, batch.partition));
    const first = batch.messages[0];
    if (expected === undefined || first === undefined) return undefined;
    if (BigInt(first.offset) > expected) {
      // fetched from Kafka's own position, past ours: read again from the stored one
      this.consumer.seek({
        topic: batch.topic,
        partition: batch.partition,
        offset: expected.toString(),
      });
      return undefined;
    }
    // before ours: already committed, never delivered twice
    return batch.messages.filter((m) => BigInt(m.offset) >= expected);
  }

  private lose(partition: number): void {
    this.owned.delete(partition);
    for (const [topic, partitions] of this.sourceTopics(this.assigned))
      if (partitions.includes(partition)) this.consumer.pause([{ topic, partitions: [partition] }]);
  }

  private async onBatch(payload: EachBatchPayload, handler: BatchHandler): Promise<void> {
    await this.ready;
    const { batch } = payload;
    const kind = this.options.topics.get(batch.topic);
    if (!kind || !this.owned.has(batch.partition)) return;
    const messages = this.alignedMessages(payload);
    if (!messages || messages.length === 0) return;
    for (let i = 0; i < messages.length; i += this.options.maxBatchSize) {
      if (!payload.isRunning() || payload.isStale() || this.stopping) return;
      if (!this.owned.has(batch.partition)) return;
      const chunk = messages.slice(i, i + this.options.maxBatchSize);
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
      let result;
      try {
        result = await handler({
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
      if (result === 'lost') {
        this.lose(batch.partition);
        return;
      }
      this.expected.set(at(batch.topic, batch.partition), BigInt(last) + 1n);
      payload.resolveOffset(last);
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
      const admin = this.admin;
      this.admin = undefined;
      await admin?.then((a) => a.disconnect()).catch(() => undefined);
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
   * Records not yet delivered, per owned topic-partition: the high watermark minus the next
   * offset to deliver. Nothing for groups that are not (or not yet) this member's. A stopped
   * consumer keeps answering for what it owned last: its lag growing is how the stall shows.
   */
  async lag(): Promise<ReadonlyMap<string, number>> {
    if (!this.stopping) return this.lagWith(await this.adminClient());
    // stopped: a connection for this reading only, so nothing is left open behind it
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await this.lagWith(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private async lagWith(admin: Admin): Promise<ReadonlyMap<string, number>> {
    const lag = new Map<string, number>();
    for (const [topic, partitions] of this.sourceTopics(this.assigned)) {
      const mine = partitions.filter((p) => this.owned.has(p));
      if (mine.length === 0) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) {
        const next = this.expected.get(at(topic, p.partition));
        if (!mine.includes(p.partition) || next === undefined) continue;
        const behind = BigInt(p.high) - next;
        lag.set(`${topic}-${p.partition}`, Number(behind > 0n ? behind : 0n));
      }
    }
    return lag;
  }
}
