import type { Type } from 'avsc';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import { deadLetterEnvelope } from '../dead-letter/envelope';
import type { DependencyPolicy } from '../resilience/dependency-policy';
import { adEventValue } from './ad-event-record';
import { KAFKA_PRODUCER_RETRY, KAFKA_SEND_TIMEOUT_MS, kafkaPolicyOf } from './kafka-client';
import { keyHashPartitioner } from './key-hash-partitioner';

export interface KafkaPublisherOptions {
  readonly adEventsTopic: string;
  readonly deadLetterTopic: string;
  /** registry id and compiled type of the ad-event contract version written */
  readonly adEventSchema: { readonly id: number; readonly type: Type };
  readonly processorVersion: string;
  /** upper bound of one produce call's payload; below the broker's message.max.bytes */
  readonly maxRequestBytes?: number;
}

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
 * Idempotent producer (no duplicates from its own retries) writing ad_events in Avro, keyed by the
 * pseudonymized user, and dead letters as JSON envelopes keyed like the original record, with the
 * reason also in headers so tools can filter without parsing.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  /** every send and the connect, under KAFKA_POLICY (kafka-client.ts) */
  readonly policy: DependencyPolicy;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
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

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.connect();
    const { id, type } = this.options.adEventSchema;
    const messages: Message[] = events.map((e) => ({
      key: e.userId,
      value: adEventValue(id, type, e),
    }));
    await this.sendBounded(this.options.adEventsTopic, messages);
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.connect();
    const now = Date.now();
    const messages: Message[] = letters.map((letter) => {
      const envelope = deadLetterEnvelope(letter, now, this.options.processorVersion);
      return {
        key: letter.record.key ? Buffer.from(letter.record.key) : null,
        value: JSON.stringify(envelope),
        headers: {
          'adx-reason': envelope.reason,
          'adx-path': envelope.path,
          'adx-source': `${envelope.source.topic}/${envelope.source.partition}/${envelope.source.offset}`,
        },
      };
    });
    await this.sendBounded(this.options.deadLetterTopic, messages);
  }

  /**
   * kafkajs writes all of one call's messages for a partition as one record batch, and the broker
   * refuses a batch above message.max.bytes (1 MiB by default): a few dead letters carrying large
   * payloads would fail every retry. So a call is cut into sends of at most maxRequestBytes.
   */
  private async sendBounded(topic: string, messages: readonly Message[]): Promise<void> {
    const limit = this.options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    let chunk: Message[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = approximateSize(message);
      if (chunk.length > 0 && bytes + size > limit) {
        await this.send(topic, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(message);
      bytes += size;
    }
    if (chunk.length > 0) await this.send(topic, chunk);
  }

  /**
   * One produce call, one attempt of the policy. A retry after a send that did land writes its
   * messages again: ad_events and the dead-letter topic are at least once (README), and the
   * warehouse's exactly-once does not rest on them.
   */
  private async send(topic: string, messages: Message[]): Promise<void> {
    await this.policy.execute(() =>
      this.producer.send({ topic, acks: -1, timeout: KAFKA_SEND_TIMEOUT_MS, messages }),
    );
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
