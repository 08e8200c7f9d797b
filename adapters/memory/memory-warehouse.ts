import { emptyCampaignTotals, type AdEvent, type Attribution, type EventType } from '../../domain';
import type {
  AggregatesFreshness,
  BatchSource,
  CampaignMetrics,
  CampaignMetricsQuery,
  LoadResult,
  RefreshOptions,
  RefreshOutcome,
  Warehouse,
  WarehouseBatch,
} from '../../ports';

/**
 * Facts keyed by event id per event type, a load ledger, and attributions: the same idempotence
 * rules as the SQL warehouses (ledger + unique event keys), held in maps.
 */
export class MemoryWarehouse implements Warehouse {
  readonly facts = new Map<EventType, Map<string, AdEvent & { batchId: string }>>();
  readonly attributions = new Map<string, Attribution & { batchId: string }>();
  readonly ledger = new Map<
    string,
    { rows: number; stagedKeys: readonly string[]; source?: BatchSource }
  >();
  private freshness: AggregatesFreshness | undefined;
  private newestLoad: number | undefined;
  private refreshing: Promise<RefreshOutcome> | undefined;
  /** runs inside each refresh, after its coverage is fixed (tests hold a refresh open with it) */
  duringRefresh: (() => Promise<void>) | undefined;

  async loadBatch(batch: WarehouseBatch): Promise<LoadResult> {
    if (this.ledger.has(batch.batchId)) return { loaded: false, rows: 0 };
    let rows = 0;
    for (const event of batch.events) {
      let table = this.facts.get(event.eventType);
      if (!table) {
        table = new Map();
        this.facts.set(event.eventType, table);
      }
      // a unique key on event id: a row loaded twice is a bug upstream, never a second row
      if (table.has(event.eventId)) continue;
      table.set(event.eventId, { ...event, batchId: batch.batchId });
      rows++;
    }
    for (const a of batch.attributions) {
      const key = `${a.eventType}:${a.eventId}`;
      if (!this.attributions.has(key)) this.attributions.set(key, { ...a, batchId: batch.batchId });
    }
    this.ledger.set(batch.batchId, {
      rows,
      stagedKeys: batch.stagedKeys,
      ...(batch.source ? { source: batch.source } : {}),
    });
    this.newestLoad = Date.now();
    return { loaded: true, rows };
  }

  /**
   * Metrics are summed from the facts on every query, so there is nothing to rebuild; what is kept
   * is the SQL warehouses' bookkeeping: one refresh at a time (callers sharing this instance are
   * the members), skipped when the last one covers the ledger, and when it happened.
   */
  async refreshAggregates(options: RefreshOptions = {}): Promise<RefreshOutcome> {
    const deadline = Date.now() + (options.waitMs ?? Number.POSITIVE_INFINITY);
    while (this.refreshing) {
      const left = deadline - Date.now();
      if (left <= 0) return { status: 'busy' };
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.refreshing.catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, Math.min(left, 2 ** 31 - 1)))),
      ]);
      clearTimeout(timer);
    }
    const f = this.freshness;
    const current = f
      ? f.coversBatches === this.ledger.size && f.coversLoadsUpTo === this.newestLoad
      : this.ledger.size === 0;
    if (current) return { status: 'current', freshness: f };
    const covers = { coversBatches: this.ledger.size, coversLoadsUpTo: this.newestLoad };
    this.refreshing = (async (): Promise<RefreshOutcome> => {
      // a refresh takes time: let a concurrent caller find it running, as on a server
      await new Promise((resolve) => setImmediate(resolve));
      await this.duringRefresh?.();
      const freshness = { refreshedAt: Date.now(), ...covers };
      this.freshness = freshness;
      return { status: 'refreshed', freshness };
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  async aggregatesFreshness(): Promise<AggregatesFreshness | undefined> {
    return this.freshness;
  }

  async campaignMetrics(query: CampaignMetricsQuery): Promise<CampaignMetrics[]> {
    const byCampaign = new Map<string, ReturnType<typeof emptyCampaignTotals>>();
    const row = (campaignId: string) => {
      let r = byCampaign.get(campaignId);
      if (!r) byCampaign.set(campaignId, (r = emptyCampaignTotals(campaignId)));
      return r;
    };
    for (const table of this.facts.values()) {
      for (const e of table.values()) {
        if (query.campaignId !== undefined && e.campaignId !== query.campaignId) continue;
        if (query.from !== undefined && e.eventTime < query.from) continue;
        if (query.to !== undefined && e.eventTime >= query.to) continue;
        const r = row(e.campaignId);
        if (e.eventType === 'impression') {
          r.impressions++;
          r.spendMicros += e.costMicros ?? 0;
        } else if (e.eventType === 'click') r.clicks++;
        else if (e.eventType === 'conversion') {
          r.conversions++;
          r.revenueMicros += e.revenueMicros ?? 0;
        } else {
          r.bidRequests++;
          if (e.won) r.bidsWon++;
        }
      }
    }
    return [...byCampaign.values()].sort((a, b) => a.campaignId.localeCompare(b.campaignId));
  }

  async close(): Promise<void> {}
}
