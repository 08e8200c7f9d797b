import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import { deadLetterEnvelope, type DeadLetterEnvelope } from '../dead-letter/envelope';

/** Keeps what would go to ad_events and ad_events.dlq, in order. */
export class MemoryEventPublisher implements EventPublisher {
  readonly adEvents: AdEvent[] = [];
  readonly deadLetters: DeadLetterEnvelope[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    this.adEvents.push(...events);
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters)
      this.deadLetters.push(deadLetterEnvelope(letter, this.now(), 'memory'));
  }
}
