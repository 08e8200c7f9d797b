import type { AdEvent, Rejection } from '../domain';
import type { RawRecord } from './event-source';

export interface DeadLetter {
  readonly record: RawRecord;
  readonly rejection: Rejection;
  readonly format: 'json' | 'csv' | 'avro';
  readonly schemaId?: number;
}

/** Writes the canonical ad_events topic and the dead-letter topic. */
export interface EventPublisher {
  publishAdEvents(events: readonly AdEvent[]): Promise<void>;
  publishDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
}
