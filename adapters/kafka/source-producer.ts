import type { Type } from 'avsc';
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeConfluentAvro } from '../codecs/confluent-avro';
import { encodeClickRow } from '../codecs/csv-click';
import { encodeImpression } from '../codecs/json-impression';
import { KAFKA_PRODUCER_RETRY, KAFKA_SEND_TIMEOUT_MS, kafkaPolicyOf } from './kafka-client';
import { keyHashPartitioner } from './key-hash-partitioner';

/** A record already in its wire format, with the raw user id as key (co-partitioning). */
export interface EncodedSourceRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Writes one source topic. Idempotent producer, acks from all in-sync replicas, keyed by user id
 * so the default murmur2 partitioner co-partitions a user's records across the source topics.
 */
export class SourceTopicProducer {
  constructor(
    private readonly producer: Producer,
    readonly topic: string,
  ) {}

  async send(records: readonly EncodedSourceRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages: Message[] = records.map((r) => ({
      key: r.key,
      value: r.value,
      ...(r.headers ? { headers: { ...r.headers } } : {}),
    }));
    // under the producer's policy (KAFKA_POLICY), shared by the producers of every topic
    await kafkaPolicyOf(this.producer).execute(() =>
      this.producer.send({ topic: this.topic, acks: -1, timeout: KAFKA_SEND_TIMEOUT_MS, messages }),
    );
  }
}

/** Impressions as UTF-8 JSON documents. */
export class ImpressionProducer {
  constructor(private readonly sink: SourceTopicProducer) {}
  send(documents: readonly { user_id: string }[]): Promise<void> {
    return this.sink.send(documents.map((d) => ({ key: d.user_id, value: encodeImpression(d) })));
  }
}

/** Clicks and conversions as one RFC 4180 CSV line each (column 4 is the user id). */
export class ClickProducer {
  constructor(private readonly sink: SourceTopicProducer) {}
  send(rows: readonly (readonly string[])[]): Promise<void> {
    return this.sink.send(
      rows.map((fields) => ({ key: fields[3] ?? '', value: encodeClickRow(fields) })),
    );
  }
}

/** Bid requests in the Confluent wire format under a registered writer schema. */
export class BidRequestProducer {
  constructor(
    private readonly sink: SourceTopicProducer,
    private readonly schema: { readonly id: number; readonly type: Type },
  ) {}
  send(records: readonly { user_id: string }[]): Promise<void> {
    return this.sink.send(
      records.map((r) => ({
        key: r.user_id,
        value: encodeConfluentAvro(this.schema.id, this.schema.type, r),
      })),
    );
  }
}

export function sourceProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 5,
    allowAutoTopicCreation: false,
    retry: KAFKA_PRODUCER_RETRY,
    createPartitioner: keyHashPartitioner,
  });
}
