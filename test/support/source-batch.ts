import type { SourceKind } from '../../domain';
import { batchId, type RawRecord, type SourceBatch } from '../../ports';
import { partitionForKey } from '../../src/simulator/partitioner';
import { createSimulator } from '../../src/simulator/simulator';

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

/** The first `count` simulated records of `topic` that land in group 0, as one batch. */
export function simulatedBatch(topic: 'impressions' | 'clicks', count: number): SourceBatch {
  const simulator = createSimulator({
    seed: 3,
    startTime: Date.now() - 3_600_000,
    // bid requests are drawn too, and skipped: any ids frame them
    bidRequestSchemaIds: { v1: 1, v2: 2 },
  });
  const records: RawRecord[] = [];
  for (const r of simulator.take(20_000)) {
    if (r.topic !== topic || partitionForKey(r.key, 3) !== 0) continue;
    records.push({
      topic,
      partition: 0,
      offset: String(records.length),
      key: Buffer.from(r.key),
      value: r.value,
      headers: r.headers ?? {},
      timestamp: String(Date.now()),
    });
    if (records.length === count) break;
  }
  const kind = topic === 'impressions' ? 'impression' : 'click_or_conversion';
  return { ...describedBatch(kind, topic, 0, '0', String(records.length - 1)), records };
}
