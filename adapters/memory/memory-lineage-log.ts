import type { BatchLineageRecord, LineageLog, LineageStep, StoppedRecord } from '../../ports';

const coordinates = (topic: string, partition: number, offset: string): string =>
  `${topic}\u0000${partition}\u0000${offset}`;

/** the order the SQL adapter returns them in: topic, partition, then offset as a number */
const inKafkaOrder = (records: StoppedRecord[]): StoppedRecord[] =>
  records.sort((a, b) =>
    a.topic !== b.topic
      ? a.topic < b.topic
        ? -1
        : 1
      : a.partition !== b.partition
        ? a.partition - b.partition
        : Number(BigInt(a.offset) - BigInt(b.offset)),
  );

/**
 * Lineage in maps. With `keepBatches`, only the most recently appended that many batches are
 * kept (their steps and stopped records): an unbounded embedded run would otherwise keep the
 * lineage of everything it ever processed.
 */
export class MemoryLineageLog implements LineageLog {
  /** keyed by batch and step: re-recording a retried batch replaces, never duplicates */
  private readonly steps = new Map<string, LineageStep>();
  /** keyed by Kafka coordinates: a record stops once */
  private readonly stopped = new Map<string, StoppedRecord>();
  /** batch id → the keys it wrote, oldest batch first */
  private readonly batches = new Map<string, string[][]>();

  constructor(private readonly options: { readonly keepBatches?: number } = {}) {}

  async append({ steps, stopped }: BatchLineageRecord): Promise<void> {
    for (const s of steps) {
      const key = `${s.batchId}\u0000${s.step}`;
      this.steps.set(key, s);
      this.written(s.batchId, 0, key);
    }
    for (const r of stopped) {
      const key = coordinates(r.topic, r.partition, r.offset);
      this.stopped.set(key, r);
      this.written(r.batchId, 1, key);
    }
    const keep = this.options.keepBatches;
    if (keep === undefined) return;
    for (const [batchId, [stepKeys, stoppedKeys]] of this.batches) {
      if (this.batches.size <= keep) break;
      for (const k of stepKeys ?? []) this.steps.delete(k);
      // a record stopped again by a later batch belongs to that one now
      for (const k of stoppedKeys ?? [])
        if (this.stopped.get(k)?.batchId === batchId) this.stopped.delete(k);
      this.batches.delete(batchId);
    }
  }

  private written(batchId: string, kind: 0 | 1, key: string): void {
    if (this.options.keepBatches === undefined) return;
    let keys = this.batches.get(batchId);
    if (!keys) this.batches.set(batchId, (keys = [[], []]));
    (keys[kind] as string[]).push(key);
  }

  async stepsOfBatch(batchId: string): Promise<LineageStep[]> {
    return [...this.steps.values()].filter((s) => s.batchId === batchId);
  }

  async stoppedInBatch(batchId: string): Promise<StoppedRecord[]> {
    return inKafkaOrder([...this.stopped.values()].filter((r) => r.batchId === batchId));
  }

  async stoppedAt(
    topic: string,
    partition: number,
    offset: string,
  ): Promise<StoppedRecord | undefined> {
    return this.stopped.get(coordinates(topic, partition, offset));
  }

  async stoppedWithEventId(eventId: string): Promise<StoppedRecord[]> {
    return inKafkaOrder([...this.stopped.values()].filter((r) => r.event?.id === eventId));
  }

  get size(): number {
    return this.steps.size;
  }
}
