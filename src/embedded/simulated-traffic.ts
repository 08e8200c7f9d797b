import type { MemoryBus } from '../../adapters/memory/memory-bus';
import type { Topics } from '../config/config';
import type { SimulatedRecord } from '../simulator/simulator';

type Source = { take(n: number): SimulatedRecord[] };

/**
 * Feeds simulated traffic into the embedded bus: either a fixed number of records, topped up as
 * the pipeline consumes them so memory stays bounded, or a steady rate until stopped.
 */
export class SimulatedTraffic {
  private produced = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly bus: MemoryBus,
    private readonly simulator: Source,
    private readonly topics: Topics,
  ) {}

  get count(): number {
    return this.produced;
  }

  produce(n: number): void {
    for (const r of this.simulator.take(n)) {
      const topic =
        r.topic === 'impressions'
          ? this.topics.impressions
          : r.topic === 'clicks'
            ? this.topics.clicks
            : this.topics.bidRequests;
      this.bus.produce(topic, r.key, r.value, r.headers ?? {});
      this.produced++;
    }
  }

  /** produce `total` records, at most `ahead` more than `consumed()` reports, then stop */
  feedBounded(total: number, consumed: () => number, ahead = 50_000): Promise<void> {
    return new Promise((resolve) => {
      const tick = (): void => {
        if (this.stopped) {
          resolve();
          return;
        }
        const room = Math.min(total - this.produced, consumed() + ahead - this.produced);
        if (room > 0) this.produce(Math.min(room, 10_000));
        if (this.produced >= total || this.stopped) {
          resolve();
          return;
        }
        this.timer = setTimeout(tick, room > 0 ? 0 : 20);
      };
      tick();
    });
  }

  /**
   * About `perSecond` records a second, in ten slices a second, until stop(); never more than
   * `ahead` records past `consumed()`: a pipeline slower than the rate holds the traffic back
   * (said once through `onHeldBack`) instead of a backlog growing in memory without end.
   */
  feedAtRate(
    perSecond: number,
    consumed: () => number = () => Number.POSITIVE_INFINITY,
    ahead = 50_000,
    onHeldBack: (ahead: number) => void = () => {},
  ): void {
    let due = 0;
    let heldBack = false;
    const tick = (): void => {
      due += perSecond / 10;
      const room = consumed() + ahead - this.produced;
      const n = Math.min(Math.floor(due), Math.max(0, room));
      if (n < Math.floor(due)) {
        // what cannot be sent now is not owed later: the rate is a ceiling, not a debt
        due = 0;
        if (!heldBack) onHeldBack(ahead);
        heldBack = true;
      } else due -= n;
      if (n > 0) this.produce(n);
      this.timer = setTimeout(tick, 100);
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
