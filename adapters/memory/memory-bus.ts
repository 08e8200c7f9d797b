import type { RawRecord } from '../../ports';
import { expiredCount, type Retention } from './retention';

export type Partitioner = (key: string, partitions: number) => number;

/** One partition's log: records from `base` on (earlier ones were trimmed, their offsets stay). */
interface PartitionLog {
  base: number;
  records: RawRecord[];
}

/**
 * The record's own copy of its bytes, as a broker keeps its own. A small Buffer is a slice of a
 * shared 8 KB slab (Buffer.from's pool; encoders' buffers likewise), and one kept slice keeps the
 * whole slab alive: the bus keeps ADX_EMBEDDED_HISTORY committed records of every
 * topic-partition, and those of a sparse topic (clicks) span far more time than the rest, so
 * their slices pinned slabs full of long-dropped records (a heap-snapshot diff of the soak: array
 * buffers held by the bus's records grew without bound).
 */
function ownBytes(bytes: Uint8Array): Buffer {
  const copy = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(copy).set(bytes);
  return Buffer.from(copy);
}

/**
 * An in-process stand-in for a Kafka cluster: named topics of ordered partitions. Records keep
 * their bytes, key and headers, and get offsets, exactly as a broker would assign them. Like a
 * broker with retention, it can drop a partition's records below an offset (trimBefore, or by
 * count and age, trimCommitted): the embedded run drops what its one consumer group has committed,
 * so an unbounded run stays flat.
 */
export class MemoryBus {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly partitionFor: Partitioner,
    private readonly defaultPartitions = 3,
  ) {}

  createTopic(topic: string, partitions = this.defaultPartitions): void {
    if (!this.topics.has(topic))
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => ({ base: 0, records: [] })),
      );
  }

  partitionsOf(topic: string): number {
    return this.topics.get(topic)?.length ?? 0;
  }

  produce(
    topic: string,
    key: string | null,
    value: Uint8Array | null,
    headers: Record<string, string> = {},
    timestamp = Date.now(),
  ): RawRecord {
    this.createTopic(topic);
    const partitions = this.topics.get(topic) as PartitionLog[];
    const partition = key === null ? 0 : this.partitionFor(key, partitions.length);
    const log = partitions[partition] as PartitionLog;
    const record: RawRecord = {
      topic,
      partition,
      offset: String(log.base + log.records.length),
      key: key === null ? null : ownBytes(Buffer.from(key)),
      value: value === null ? null : ownBytes(value),
      headers,
      timestamp: String(timestamp),
    };
    log.records.push(record);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    return record;
  }

  /** records of one partition from offset on (or from the first one kept), at most max */
  read(topic: string, partition: number, fromOffset: number, max: number): RawRecord[] {
    const log = this.topics.get(topic)?.[partition];
    if (!log) return [];
    const from = Math.max(0, fromOffset - log.base);
    return log.records.slice(from, from + max);
  }

  endOffset(topic: string, partition: number): number {
    const log = this.topics.get(topic)?.[partition];
    return log ? log.base + log.records.length : 0;
  }

  /** the first offset still kept */
  startOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.base ?? 0;
  }

  /** drops the partition's records below `offset` (never past its end) */
  trimBefore(topic: string, partition: number, offset: number): void {
    const log = this.topics.get(topic)?.[partition];
    if (!log) return;
    const drop = Math.min(offset - log.base, log.records.length);
    if (drop <= 0) return;
    log.records.splice(0, drop);
    log.base += drop;
  }

  /**
   * Retention of what has been consumed: of the partition's records below `committed`, keeps
   * the latest `keepLatest` and none older (by the record's timestamp, as a broker's
   * retention.ms) than `keepForMs`. Records not yet committed always stay.
   */
  trimCommitted(topic: string, partition: number, committed: number, retention: Retention): void {
    const log = this.topics.get(topic)?.[partition];
    if (!log) return;
    const consumed = Math.min(committed - log.base, log.records.length);
    if (consumed <= 0) return;
    const drop = expiredCount(
      consumed,
      (i) => Number((log.records[i] as RawRecord).timestamp),
      retention,
    );
    if (drop > 0) this.trimBefore(topic, partition, log.base + drop);
  }

  /** all records of a topic still kept, partition by partition */
  all(topic: string): RawRecord[] {
    return (this.topics.get(topic) ?? []).flatMap((log) => log.records);
  }

  /** resolves when anything is produced, or after ms */
  waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiters = this.waiters;
      function done(): void {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      }
      this.waiters.add(done);
    });
  }
}
