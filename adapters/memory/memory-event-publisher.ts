import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import { deadLetterEnvelope, type DeadLetterEnvelope } from '../dead-letter/envelope';

/**
 * Keeps what would go to ad_events and ad_events.dlq, in order. With `keepLatest`, each list
 * keeps only its most recent that many (the embedded run has no reader for them; they are there
 * to be looked at), and `published` still counts everything.
 */
export class MemoryEventPublisher implements EventPublisher {
  readonly adEvents: AdEvent[] = [];
  readonly deadLetters: DeadLetterEnvelope[] = [];
  readonly published = { adEvents: 0, deadLetters: 0 };

  constructor(
    private readonly now: () => number = Date.now,
    private readonly options: { readonly keepLatest?: number } = {},
  ) {}

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    for (const event of events) this.adEvents.push(event);
    this.published.adEvents += events.length;
    this.trim(this.adEvents);
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    for (const letter of letters)
      this.deadLetters.push(deadLetterEnvelope(letter, this.now(), 'memory'));
    this.published.deadLetters += letters.length;
    this.trim(this.deadLetters);
  }

  /** drops the oldest once a list is twice the window, so trimming costs O(1) a record */
  private trim(list: unknown[]): void {
    const keep = this.options.keepLatest;
    if (keep !== undefined && list.length > 2 * keep) list.splice(0, list.length - keep);
  }
}
