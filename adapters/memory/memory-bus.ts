import type { RawRecord } from '../../ports';

export type Partitioner = (key: string, partitions: number) => number;

/**
 * An in-process stand-in for a Kafka cluster: named topics of ordered partitions. Records keep
 * their bytes, key and headers, and get offsets, exactly as a broker would assign them.
 */
export class MemoryBus {
  private readonly topics = new Map<string, RawRecord[][]>();
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly partitionFor: Partitioner,
    private readonly defaultPartitions = 3,
  ) {}

  createTopic(topic: string, partitions = this.defaultPartitions): void {
    if (!this.topics.has(topic))
      this.topics.set(
        topic,
        Array.from({ length: partitions }, () => []),
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
    const partitions = this.topics.get(topic) as RawRecord[][];
    const partition = key === null ? 0 : this.partitionFor(key, partitions.length);
    const log = partitions[partition] as RawRecord[];
    const record: RawRecord = {
      topic,
      partition,
      offset: String(log.length),
      key: key === null ? null : Buffer.from(key),
      value,
      headers,
      timestamp: String(timestamp),
    };
    log.push(record);
    for (const wake of this.waiters) wake();
    this.waiters.clear();
    return record;
  }

  /** records of one partition from offset on, at most max */
  read(topic: string, partition: number, fromOffset: number, max: number): RawRecord[] {
    const log = this.topics.get(topic)?.[partition];
    return log ? log.slice(fromOffset, fromOffset + max) : [];
  }

  endOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.length ?? 0;
  }

  /** all records of a topic, partition by partition */
  all(topic: string): RawRecord[] {
    return (this.topics.get(topic) ?? []).flat();
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
