/**
 * The records a pipeline read, as the offline reference takes them: every topic-partition's raw
 * records in offset order, decoded with the same codecs (decoding is not what the reference checks).
 */
import { createBidRequestDecoder } from '../../adapters/codecs/bid-request-avro';
import { decodeRecords } from '../../adapters/codecs/decode-batch';
import type { SourceKind, SourceRecord } from '../../domain';
import type { RawRecord, SchemaRegistry } from '../../ports';

export async function decodedTopicPartitions(
  raw: readonly RawRecord[],
  kinds: ReadonlyMap<string, SourceKind>,
  registry: Pick<SchemaRegistry, 'schemaById'>,
  maxRecordBytes: number,
): Promise<SourceRecord[][]> {
  const byTopicPartition = new Map<string, RawRecord[]>();
  for (const r of raw) {
    const key = `${r.topic}/${r.partition}`;
    byTopicPartition.set(key, [...(byTopicPartition.get(key) ?? []), r]);
  }
  const schemaById = (id: number) => registry.schemaById(id);
  const deps = { schemaById, bidRequestDecoder: createBidRequestDecoder(schemaById) };
  const decoded: SourceRecord[][] = [];
  for (const records of byTopicPartition.values()) {
    const topic = (records[0] as RawRecord).topic;
    const kind = kinds.get(topic);
    if (!kind) throw new Error(`no source kind for topic ${topic}`);
    const inOrder = [...records].sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    decoded.push(await decodeRecords(kind, inOrder, deps, maxRecordBytes));
  }
  return decoded;
}
