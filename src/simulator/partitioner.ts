/**
 * Kafka's default partitioner for keyed records: toPositive(murmur2(utf8(key))) % partitions.
 * The Java client, librdkafka's murmur2_random and kafkajs's DefaultPartitioner all agree, so
 * records land where a real producer would put them, and the in-memory bus co-partitions a
 * user's impressions, clicks and bid requests exactly as Kafka does.
 */
const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** MurmurHash2, 32-bit, as Kafka's Utils.murmur2 computes it (signed result). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k =
      (data[i] as number) |
      ((data[i + 1] as number) << 8) |
      ((data[i + 2] as number) << 16) |
      ((data[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // the last 1-3 bytes, as the reference implementation's fall-through switch mixes them
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] as number) << 16;
  if (rest >= 2) h ^= (data[whole + 1] as number) << 8;
  if (rest >= 1) {
    h ^= data[whole] as number;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
