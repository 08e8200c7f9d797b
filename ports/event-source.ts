import type { SourceKind } from '../domain';

/** One record as the broker delivered it: bytes untouched, plus where it sits. */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: Readonly<Record<string, string>>;
  /** broker timestamp, epoch ms as a string (as Kafka clients give it) */
  readonly timestamp: string;
}

/** One partition's contiguous offset range: the unit of processing, staging, loading and lineage. */
export interface SourceBatch {
  /** topic-partition-firstOffset-lastOffset */
  readonly id: string;
  readonly topic: string;
  readonly kind: SourceKind;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly records: readonly RawRecord[];
}

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  /** the next offset to read */
  readonly offset: string;
}

/** 'lost': the member no longer owns the batch's group; the source stops delivering it */
export type BatchResult = 'done' | 'lost';

export type BatchHandler = (batch: SourceBatch) => Promise<BatchResult | void>;

/**
 * How a consumer-group member learns which groups (partition numbers) are its own. The source
 * awaits each call before delivering anything of those partitions: `assigned` returns where
 * each of their topic-partitions resumes (from the StateStore; absent ones start at the earliest
 * offset), `revoked` lets go of groups after the batch in flight.
 */
export interface AssignmentListener {
  assigned(partitions: readonly number[]): Promise<readonly TopicPartitionOffset[]>;
  revoked(partitions: readonly number[]): Promise<void>;
  /**
   * the source lost its broker and is reconnecting on its own (an outage, not a failure of
   * run()); the next assigned() says it is back
   */
  unavailable?(error: unknown): void;
}

/**
 * Delivers batches one at a time per partition and waits for the handler before the next one, so
 * a slow sink slows the source (backpressure). Positions come from the StateStore, not the broker:
 * a batch that does not start at the group's stored position is never delivered.
 */
export interface EventSource {
  /** runs until stop() or, for bounded sources, until the input is exhausted */
  run(handler: BatchHandler, assignment: AssignmentListener): Promise<void>;
  /** tell the broker how far we are (advisory: the StateStore is the authority) */
  commit(positions: readonly TopicPartitionOffset[]): Promise<void>;
  /** finish the batch in flight, then return from run() */
  stop(): Promise<void>;
  /** records not yet delivered, per topic-partition, when the source can tell */
  lag(): Promise<ReadonlyMap<string, number>>;
}

export function batchId(
  topic: string,
  partition: number,
  firstOffset: string,
  lastOffset: string,
): string {
  return `${topic}-${partition}-${firstOffset}-${lastOffset}`;
}

/** Where to resume after a batch: the offset after its last record. Offsets are int64, so BigInt. */
export function nextPosition(
  batch: Pick<SourceBatch, 'topic' | 'partition' | 'lastOffset'>,
): TopicPartitionOffset {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: (BigInt(batch.lastOffset) + 1n).toString(),
  };
}
