import type { BatchLineageRecord, LineageLog, LineageStep, StoppedRecord } from '../../ports';
import type { Retention } from './retention';

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
 * Lineage in maps. With a retention, only the most recently appended batches are kept (their
 * steps and stopped records; `keepLatest` counts batches): an unbounded embedded run would
 * otherwise keep the lineage of everything it ever processed.
 */
export class MemoryLineageLog implements LineageLog {
  /** keyed by batch and step: re-recording a retried batch replaces, never duplicates */
  private readonly steps = new Map<string, LineageStep>();
  /** keyed by Kafka coordinates: a record stops once */
  private readonly stopped = new Map<string, StoppedRecord>();
  /** batch id → when it was first appended and the keys it wrote, oldest batch first */
  private readonly batches = new Map<string, { readonly at: number; readonly keys: string[][] }>();
  private readonly retains: boolean;

  constructor(private readonly retention: Retention = {}) {
    this.retains = retention.keepLatest !== undefined || retention.keepForMs !== undefined;
  }

  async append({ steps, stopped }: BatchLineageRecord): Promise<void> {
    const now = (this.retention.now ?? Date.now)();
    for (const s of steps) {
      const key = `${s.batchId}\u0000${s.step}`;
      this.steps.set(key, s);
      this.written(s.batchId, 0, key, now);
    }
    for (const r of stopped) {
      const key = coordinates(r.topic, r.partition, r.offset);
      this.stopped.set(key, r);
      this.written(r.batchId, 1, key, now);
    }
    if (!this.retains) return;
    const { keepLatest = Number.POSITIVE_INFINITY, keepForMs } = this.retention;
    const horizon = keepForMs === undefined ? Number.NEGATIVE_INFINITY : now - keepForMs;
    // oldest first: stops at the first batch kept
    for (const [batchId, { at, keys }] of this.batches) {
      if (this.batches.size <= keepLatest && at >= horizon) break;
      const [stepKeys, stoppedKeys] = keys;
      for (const k of stepKeys ?? []) this.steps.delete(k);
      // a record stopped again by a later batch belongs to that one now
      for (const k of stoppedKeys ?? [])
        if (this.stopped.get(k)?.batchId === batchId) this.stopped.delete(k);
      this.batches.delete(batchId);
    }
  }

  private written(batchId: string, kind: 0 | 1, key: string, now: number): void {
    if (!this.retains) return;
    let batch = this.batches.get(batchId);
    if (!batch) this.batches.set(batchId, (batch = { at: now, keys: [[], []] }));
    (batch.keys[kind] as string[]).push(key);
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
