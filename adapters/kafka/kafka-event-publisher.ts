import type { Kafka } from 'kafkajs';
import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import type { DependencyPolicy } from '../resilience/dependency-policy';
import { BoundedProducer } from './bounded-producer';
import { adEventMessages, deadLetterMessages, type AdEventSchema } from './publisher-messages';

export interface KafkaPublisherOptions {
  readonly adEventsTopic: string;
  readonly deadLetterTopic: string;
  readonly adEventSchema: AdEventSchema;
  readonly processorVersion: string;
  /** upper bound of one produce call's payload; below the broker's message.max.bytes */
  readonly maxRequestBytes?: number;
}

/**
 * Idempotent producer (no duplicates from its own retries) writing ad_events in Avro, keyed by the
 * pseudonymized user, and dead letters as JSON envelopes keyed like the original record, with the
 * reason also in headers so tools can filter without parsing. On the caller's thread; the real
 * profile runs the same sends on a thread of their own (ThreadedEventPublisher).
 */
export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: BoundedProducer;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.producer = new BoundedProducer(kafka, options.maxRequestBytes);
  }

  /** every send and the connect, under KAFKA_POLICY (kafka-client.ts) */
  get policy(): DependencyPolicy {
    return this.producer.policy;
  }

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { adEventsTopic, adEventSchema } = this.options;
    await this.producer.send(adEventsTopic, adEventMessages(adEventSchema, events));
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const { deadLetterTopic, processorVersion } = this.options;
    await this.producer.send(
      deadLetterTopic,
      deadLetterMessages(letters, Date.now(), processorVersion),
    );
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}
