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
