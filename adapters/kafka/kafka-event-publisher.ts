import type { Type } from 'avsc';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import { encodeConfluentAvro } from '../codecs/confluent-avro';
import { deadLetterEnvelope } from '../dead-letter/envelope';
import { adEventRecord } from './ad-event-record';

export interface KafkaPublisherOptions {
  readonly adEventsTopic: string;
  readonly deadLetterTopic: string;
  /** registry id and compiled type of the ad-event contract version written */
  readonly adEventSchema: { readonly id: number; readonly type: Type };
  readonly processorVersion: string;
}

/**
 * Idempotent producer (no duplicates from its own retries) writing ad_events in Avro, keyed by the
 * pseudonymized user, and dead letters as JSON envelopes keyed like the original record, with the
 * reason also in headers so tools can filter without parsing.
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      allowAutoTopicCreation: false,
    });
  }

  private connect(): Promise<void> {
    this.connected ??= this.producer.connect();
    return this.connected;
  }

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.connect();
    const { id, type } = this.options.adEventSchema;
    const messages: Message[] = events.map((e) => ({
      key: e.userId,
      value: encodeConfluentAvro(id, type, adEventRecord(e)),
    }));
    await this.producer.send({ topic: this.options.adEventsTopic, acks: -1, messages });
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
    await this.producer.send({ topic: this.options.deadLetterTopic, acks: -1, messages });
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
