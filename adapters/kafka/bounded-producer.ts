import type { Kafka, Message, Producer } from 'kafkajs';
import type { DependencyPolicy } from '../resilience/dependency-policy';
import { KAFKA_PRODUCER_RETRY, KAFKA_SEND_TIMEOUT_MS, kafkaPolicyOf } from './kafka-client';
import { keyHashPartitioner } from './key-hash-partitioner';

/** the broker default message.max.bytes is 1,048,588; leave room for batch and record overhead */
const DEFAULT_MAX_REQUEST_BYTES = 900 * 1024;

const lengthOf = (v: Buffer | string | null | undefined): number =>
  v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

function approximateSize(message: Message): number {
  let size = 64 + lengthOf(message.key) + lengthOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    size +=
      name.length +
      (Array.isArray(value) ? value : [value]).reduce(
        (n, v) => n + lengthOf(v as Buffer | string | undefined),
        0,
      );
  }
  return size;
}

/**
 * The publisher's idempotent producer (no duplicates from its own retries), keyed messages
 * partitioned by murmur2 of the key like Kafka's own clients, every send under KAFKA_POLICY.
 */
export class BoundedProducer {
  private readonly producer: Producer;
  /** every send and the connect, under KAFKA_POLICY (kafka-client.ts) */
  readonly policy: DependencyPolicy;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    /** upper bound of one produce call's payload; below the broker's message.max.bytes */
    private readonly maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
      retry: KAFKA_PRODUCER_RETRY,
      createPartitioner: keyHashPartitioner,
    });
    this.policy = kafkaPolicyOf(this.producer);
  }

  private connect(): Promise<void> {
    // a failed connect is forgotten, so the next call connects again instead of failing forever
    this.connected ??= this.policy
      .execute(() => this.producer.connect())
      .catch((error: unknown) => {
        this.connected = undefined;
        throw error;
      });
    return this.connected;
  }

  /**
   * kafkajs writes all of one call's messages for a partition as one record batch, and the broker
   * refuses a batch above message.max.bytes (1 MiB by default): a few dead letters carrying large
   * payloads would fail every retry. So a call is cut into sends of at most maxRequestBytes.
   */
  async send(topic: string, messages: readonly Message[]): Promise<void> {
    if (messages.length === 0) return;
    await this.connect();
    let chunk: Message[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = approximateSize(message);
      if (chunk.length > 0 && bytes + size > this.maxRequestBytes) {
        await this.sendOnce(topic, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) await this.sendOnce(topic, chunk);
  }

  /**
   * One produce call, one attempt of the policy. A retry after a send that did land writes its
   * messages again: ad_events and the dead-letter topic are at least once (README), and the
   * warehouse's exactly-once does not rest on them.
   */
  private async sendOnce(topic: string, messages: Message[]): Promise<void> {
    await this.policy.execute(() =>
      this.producer.send({ topic, acks: -1, timeout: KAFKA_SEND_TIMEOUT_MS, messages }),
    );
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
