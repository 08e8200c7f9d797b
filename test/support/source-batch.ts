import type { SourceKind } from '../../domain';
import { batchId, type SourceBatch } from '../../ports';

/** A batch's identity without its records: what lineage and OpenLineage events describe. */
export function describedBatch(
  kind: SourceKind,
  topic: string,
  partition: number,
  firstOffset: string,
  lastOffset: string,
): SourceBatch {
  return {
    id: batchId(topic, partition, firstOffset, lastOffset),
    kind,
    topic,
    partition,
    firstOffset,
    lastOffset,
    records: [],
  };
}

/** One batch of these record values on partition 0 of `topic`, offsets from `firstOffset`. */
export function batchOfValues(
  kind: SourceKind,
  topic: string,
  values: readonly (Uint8Array | null)[],
  firstOffset = 0,
): SourceBatch {
  const last = String(firstOffset + values.length - 1);
  return {
    ...describedBatch(kind, topic, 0, String(firstOffset), last),
    records: values.map((value, i) => ({
      topic,
      partition: 0,
      offset: String(firstOffset + i),
      key: null,
      value,
      headers: {},
      timestamp: '0',
    })),
  };
}
