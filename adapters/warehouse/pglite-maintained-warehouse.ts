import type {
  AggregatesFreshness,
  CampaignMetrics,
  CampaignMetricsQuery,
  LoadResult,
  Logger,
  RefreshOptions,
  RefreshOutcome,
  Warehouse,
  WarehouseBatch,
} from '../../ports';
import type { MaintenanceReport } from './pglite-maintenance';

export interface MaintainedWarehouseOptions {
  /** at most one maintenance per this many ms (default 60 s) */
  readonly everyMs?: number;
  readonly now?: () => number;
}

/**
 * A PGlite warehouse that also does its housekeeping (pglite-maintenance.ts) after an aggregate
 * refresh, at most once per `everyMs`. After the refresh, because that is the warehouse's periodic
 * tick already, it runs on the one connection between loads, and it is awaited by the refresher,
 * which the service stops before the warehouse closes, so no maintenance outlives the connection.
 * A failed maintenance is logged and tried at the next tick; it never fails the refresh.
 */
export class MaintainedWarehouse implements Warehouse {
  private last: number;

  constructor(
    private readonly inner: Warehouse,
    private readonly maintain: () => Promise<MaintenanceReport>,
    private readonly logger: Logger,
    private readonly options: MaintainedWarehouseOptions = {},
  ) {
    this.last = (options.now ?? Date.now)();
  }

  loadBatch(batch: WarehouseBatch): Promise<LoadResult> {
    return this.inner.loadBatch(batch);
  }

  async refreshAggregates(options?: RefreshOptions): Promise<RefreshOutcome> {
    const outcome = await this.inner.refreshAggregates(options);
    const now = (this.options.now ?? Date.now)();
    if (now - this.last >= (this.options.everyMs ?? 60_000)) {
      this.last = now;
      try {
        const report = await this.maintain();
        if (report.cacheReset)
          this.logger.info('embedded warehouse: catalog caches reset', {
            cacheMB: Math.round(report.cacheBytes / 2 ** 20),
            vacuumMs: Math.round(report.vacuumMs),
          });
      } catch (error) {
        this.logger.warn('embedded warehouse maintenance failed; retrying next interval', {
          error: String(error),
        });
      }
    }
    return outcome;
  }

  aggregatesFreshness(): Promise<AggregatesFreshness | undefined> {
    return this.inner.aggregatesFreshness();
  }

  campaignMetrics(query: CampaignMetricsQuery): Promise<CampaignMetrics[]> {
    return this.inner.campaignMetrics(query);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
