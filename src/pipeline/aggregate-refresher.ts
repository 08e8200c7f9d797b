import type { Logger, Metrics, RefreshOutcome, Warehouse } from '../../ports';

/** how long a stopping member waits for another member's refresh before its own (default) */
export const DRAIN_REFRESH_WAIT_MS = 60_000;

/**
 * Keeps the warehouse's aggregates fresh for every member of a deployment, not only this one.
 * Each interval it asks the warehouse to refresh; the warehouse refreshes only when its ledger
 * holds loads the last refresh (by any member) did not cover, and one member at a time — a member
 * that finds another refreshing skips until its next tick. So loads of a member that died are
 * refreshed by the survivors within an interval. On stop it refreshes once more, waiting (bounded)
 * for a refresh in progress elsewhere when it loaded something itself, so a draining member
 * leaves its last loads in the views. A failure is logged and counted, not fatal (the facts are
 * intact), and tried again next interval.
 */
export class AggregateRefresher {
  /** loads reported by this member, and how many of them a refresh is known to cover */
  private loads = 0;
  private covered = 0;
  private running: Promise<RefreshOutcome | undefined> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly drainWaitMs = DRAIN_REFRESH_WAIT_MS,
  ) {}

  /** a batch of this member's was loaded (and committed): the aggregates are stale */
  loaded(): void {
    this.loads++;
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  /** one attempt; while one is running, its result (a tick never queues behind itself) */
  refresh(waitMs = 0): Promise<RefreshOutcome | undefined> {
    if (this.running) return this.running;
    const loads = this.loads;
    const started = performance.now();
    this.running = this.warehouse
      .refreshAggregates({ waitMs })
      .then(
        (outcome) => {
          if (outcome.status === 'refreshed')
            this.metrics.observeStage('refresh_aggregates', (performance.now() - started) / 1000);
          if (outcome.status !== 'busy') {
            // loads reported before the attempt were committed before it: they are covered
            this.covered = Math.max(this.covered, loads);
            if (outcome.freshness) this.metrics.aggregatesRefreshed(outcome.freshness.refreshedAt);
          }
          return outcome;
        },
        (error: unknown) => {
          this.metrics.error('refresh_aggregates');
          this.logger.warn('refreshing aggregates failed; retrying next interval', {
            error: String(error),
          });
          return undefined;
        },
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** stop the timer, then refresh before the member exits (see the class comment) */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    const own = this.loads > this.covered;
    const outcome = await this.refresh(own ? this.drainWaitMs : 0);
    if (own && outcome?.status === 'busy')
      this.logger.warn('aggregates not refreshed before stopping: another member still is', {
        waitedMs: this.drainWaitMs,
      });
  }
}
