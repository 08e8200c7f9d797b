import { murmur2 } from '../../adapters/kafka/key-hash-partitioner';

/**
 * Kafka's default partitioner for keyed records: toPositive(murmur2(utf8(key))) % partitions.
 * The Java client, librdkafka's murmur2_random and kafkajs's DefaultPartitioner all agree, so
 * records land where a real producer would put them, and the in-memory bus co-partitions a
 * user's impressions, clicks and bid requests exactly as Kafka does.
 */
export function partitionForKey(key: string, partitions: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitions;
}
