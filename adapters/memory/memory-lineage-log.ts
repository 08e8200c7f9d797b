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

export class MemoryLineageLog implements LineageLog {
  /** keyed by batch and step: re-recording a retried batch replaces, never duplicates */
  private readonly steps = new Map<string, LineageStep>();
  /** keyed by Kafka coordinates: a record stops once */
  private readonly stopped = new Map<string, StoppedRecord>();

  async append({ steps, stopped }: BatchLineageRecord): Promise<void> {
    for (const s of steps) this.steps.set(`${s.batchId}\u0000${s.step}`, s);
    for (const r of stopped) this.stopped.set(coordinates(r.topic, r.partition, r.offset), r);
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
