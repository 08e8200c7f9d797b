/**
 * The records a pipeline read, as the offline reference takes them: every topic-partition's raw
 * records in offset order, decoded by the pipeline's own RecordDecoder (decoding is not what the
 * reference checks).
 */
import { batchId, type RawRecord, type RecordDecoder } from '../../ports';
import type { SourceKind, SourceRecord } from '../../domain';

export async function decodedTopicPartitions(
  raw: readonly RawRecord[],
  kinds: ReadonlyMap<string, SourceKind>,
  decoder: RecordDecoder,
): Promise<SourceRecord[][]> {
  const byTopicPartition = new Map<string, RawRecord[]>();
  for (const r of raw) {
    const key = `${r.topic}/${r.partition}`;
    const list = byTopicPartition.get(key);
    if (list) list.push(r);
    else byTopicPartition.set(key, [r]);
  }
  const decoded: SourceRecord[][] = [];
  for (const records of byTopicPartition.values()) {
    const inOrder = [...records].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    const first = inOrder[0] as RawRecord;
    const last = inOrder[inOrder.length - 1] as RawRecord;
    const kind = kinds.get(first.topic);
    if (!kind) throw new Error(`no source kind for topic ${first.topic}`);
    decoded.push(
      await decoder.decode({
        id: batchId(first.topic, first.partition, first.offset, last.offset),
        topic: first.topic,
        kind,
        partition: first.partition,
        firstOffset: first.offset,
        lastOffset: last.offset,
        records: inOrder,
      }),
    );
  }
  return decoded;
}
