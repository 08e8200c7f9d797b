import type { AdEvent } from '../../domain';
import type { DeadLetter, EventPublisher, Metrics } from '../../ports';

/**
 * Any EventPublisher, measured: dead letters written (by the topic they came from and the reason)
 * and failed publishes. A retried batch publishes again, so the count is of records written.
 */
export class MeteredEventPublisher implements EventPublisher {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly metrics: Metrics,
  ) {}

  publishAdEvents(events: readonly AdEvent[]): Promise<void> {
    return this.counted(this.publisher.publishAdEvents(events));
  }

  async publishDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    await this.counted(this.publisher.publishDeadLetters(letters));
    const byReason = new Map<string, { topic: string; reason: string; n: number }>();
    for (const letter of letters) {
      const key = `${letter.record.topic}\u0000${letter.rejection.reason}`;
      const entry = byReason.get(key);
      if (entry) entry.n++;
      else byReason.set(key, { topic: letter.record.topic, reason: letter.rejection.reason, n: 1 });
    }
    for (const { topic, reason, n } of byReason.values())
      this.metrics.deadLettered(topic, reason, n);
  }

  private async counted(publish: Promise<void>): Promise<void> {
    try {
      await publish;
    } catch (error) {
      this.metrics.error('publisher');
      throw error;
    }
  }
}
