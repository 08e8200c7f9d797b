import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher } from '../../ports';
import { deadLetterEnvelope, type DeadLetterEnvelope } from '../dead-letter/envelope';
import { expiredCount, type Retention } from './retention';

/**
 * Keeps what would go to ad_events and ad_events.dlq, in order. With a retention, each list keeps
 * only its latest (the embedded run has no reader for them; they are there to be looked at), and
 * `published` still counts everything.
 */
export class MemoryEventPublisher implements EventPublisher {
  readonly adEvents: AdEvent[] = [];
  readonly deadLetters: DeadLetterEnvelope[] = [];
  readonly published = { adEvents: 0, deadLetters: 0 };
  /** when each kept item was published, in the lists' order (for keepForMs) */
  private readonly adEventTimes: number[] = [];
  private readonly deadLetterTimes: number[] = [];

  constructor(
    private readonly now: () => number = Date.now,
    private readonly retention: Omit<Retention, 'now'> = {},
  ) {}

  async publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    const at = this.now();
    for (const event of events) {
      this.adEvents.push(event);
      this.adEventTimes.push(at);
    }
    this.published.adEvents += events.length;
    this.trim(this.adEvents, this.adEventTimes, at);
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    const at = this.now();
    for (const letter of letters) {
      this.deadLetters.push(deadLetterEnvelope(letter, at, 'memory'));
      this.deadLetterTimes.push(at);
    }
    this.published.deadLetters += letters.length;
    this.trim(this.deadLetters, this.deadLetterTimes, at);
  }

  private trim(list: unknown[], times: number[], now: number): void {
    const drop = expiredCount(list.length, (i) => times[i] as number, this.retention, now);
    if (drop === 0) return;
    list.splice(0, drop);
    times.splice(0, drop);
  }
}
