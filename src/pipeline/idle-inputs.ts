import { isInputIdle, type IdleInput, type PipelineState } from '../../domain';
import type { Clock, EventSource } from '../../ports';

/**
 * Finds the inputs (a source topic's partition) that are caught up — the source reports no lag —
 * and have delivered nothing for the idle timeout of processing time, and hands them over to be
 * marked idle in their group, so a quiet topic stops holding the watermark back. This is the only
 * place processing time reaches the watermark, and it arrives in the domain as data (InputIdle).
 */
export class IdleInputs {
  /** `topic:partition` → processing time of its last delivery (or of the start) */
  private readonly lastDelivery = new Map<string, number>();
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly source: EventSource,
    private readonly clock: Clock,
    private readonly idleTimeoutMs: number,
    /** never rejects: a failure to commit what it releases is the service's to handle */
    readonly markIdle: (inputs: readonly IdleInput[]) => Promise<void>,
  ) {}

  delivered(topic: string, partition: number): void {
    this.lastDelivery.set(`${topic}:${partition}`, this.clock.now());
  }

  start(state: () => PipelineState | undefined): void {
    this.startedAt = this.clock.now();
    // often enough that an input goes idle within ~1.25 timeouts, never more than once a second
    const every = Math.max(10, Math.min(1000, Math.floor(this.idleTimeoutMs / 4)));
    this.timer = setInterval(() => void this.check(state()), every);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(state: PipelineState | undefined): Promise<void> {
    if (!state || this.checking) return;
    this.checking = true;
    try {
      let lag: ReadonlyMap<string, number>;
      try {
        lag = await this.source.lag();
      } catch {
        return; // lag unknown (broker unreachable): nothing is marked idle; the next check retries
      }
      const now = this.clock.now();
      const idle: IdleInput[] = [];
      for (const [topicPartition, records] of lag) {
        if (records > 0) continue;
        const cut = topicPartition.lastIndexOf('-');
        const topic = topicPartition.slice(0, cut);
        const partition = Number(topicPartition.slice(cut + 1));
        const last = this.lastDelivery.get(`${topic}:${partition}`) ?? this.startedAt;
        if (now - last < this.idleTimeoutMs) continue;
        const group = state.partitions.get(partition);
        if (group && isInputIdle(group.clock, topic)) continue;
        idle.push({ topic, partition });
      }
      if (idle.length > 0) await this.markIdle(idle);
    } finally {
      this.checking = false;
    }
  }
}
