import type { Logger, Metrics, Warehouse } from '../../ports';

/**
 * Refreshes the warehouse's aggregates at most once per interval, and only after something was
 * loaded. SQL warehouses refresh CONCURRENTLY, so readers are not blocked; a refresh never runs
 * twice at once, and a failure is logged and counted, not fatal (the facts are intact).
 */
export class AggregateRefresher {
  private dirty = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  /** a batch was loaded: the aggregates are stale */
  loaded(): void {
    this.dirty = true;
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  refresh(): Promise<void> {
    if (!this.dirty || this.running) return this.running ?? Promise.resolve();
    this.dirty = false;
    const started = performance.now();
    this.running = this.warehouse.refreshAggregates().then(
      () => this.metrics.observeStage('refresh_aggregates', (performance.now() - started) / 1000),
      (error: unknown) => {
        this.dirty = true;
        this.metrics.error('refresh_aggregates');
        this.logger.warn('refreshing aggregates failed; retrying next interval', {
          error: String(error),
        });
      },
    );
    return this.running.finally(() => (this.running = undefined));
  }

  /** stop the timer and wait for a refresh in flight */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
