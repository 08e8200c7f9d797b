import type { AdEvent, Attribution } from '../../../domain';
import type {
  CampaignMetrics,
  CampaignMetricsQuery,
  Warehouse,
  WarehouseBatch,
} from '../../../ports';
import { adEvent, SLOW_MS, uniqueName } from '../support/conformance-kit';
import { itKeepsDistinctIdsDistinct } from './warehouse-distinct-ids';

export interface WarehouseHarness {
  readonly warehouse: Warehouse;
  cleanup?: () => Promise<void>;
}

const HOUR = 3_600_000;
/** hour-aligned, so adapters answering from hourly aggregates see the same window */
const T = Date.UTC(2026, 10, 26, 6);

const zero = (campaignId: string): CampaignMetrics => ({
  campaignId,
  impressions: 0,
  clicks: 0,
  conversions: 0,
  spendMicros: 0,
  revenueMicros: 0,
  bidRequests: 0,
  bidsWon: 0,
});

/**
 * The Warehouse contract: a batch id is loaded at most once (ledger), an event id at most once
 * (unique keys), and campaignMetrics sums the facts per campaign over [from, to) in event time.
 * Campaign and event ids are unique per test, so a shared database does not disturb the sums.
 */
export function warehouseConformance(name: string, make: () => Promise<WarehouseHarness>): void {
  describe(`Warehouse conformance: ${name}`, () => {
    let harness: WarehouseHarness;
    let warehouse: Warehouse;
    let run: string;
    let campaign: string;

    beforeEach(async () => {
      harness = await make();
      warehouse = harness.warehouse;
      run = uniqueName('wh');
      campaign = `${run}-campaign-a`;
    });
    afterEach(async () => {
      await harness.warehouse.close();
      await harness.cleanup?.();
    });

    const batch = (id: string, events: AdEvent[], attributions: Attribution[] = []) =>
      ({
        batchId: `${run}-${id}`,
        events,
        attributions,
        stagedKeys: [`staging/fact_impression/dt=2026-11-26/${run}-${id}.ndjson.gz`],
      }) satisfies WarehouseBatch;

    /** metrics of one campaign, zeros when the warehouse returns no row for it */
    async function metricsOf(campaignId: string, query: CampaignMetricsQuery = {}) {
      await warehouse.refreshAggregates();
      const rows = await warehouse.campaignMetrics({ ...query, campaignId });
      expect(rows.every((r) => r.campaignId === campaignId)).toBe(true);
      expect(rows.length).toBeLessThanOrEqual(1);
      return rows[0] ?? zero(campaignId);
    }

    /** one event of each kind and money on every line that has some */
    function mixedEvents(campaignId: string, prefix: string, at = T): AdEvent[] {
      const on = { campaignId, publisherId: 'pub-1', adId: 'ad-1' };
      return [
        adEvent('impression', `${prefix}-imp-1`, at, { ...on, costMicros: 1_250 }),
        adEvent('impression', `${prefix}-imp-2`, at + 1, { ...on, costMicros: 2_000_000_000 }),
        adEvent('click', `${prefix}-clk-1`, at + 2, { ...on, impressionId: `${prefix}-imp-1` }),
        adEvent('conversion', `${prefix}-cnv-1`, at + 3, { ...on, revenueMicros: 5_000_000_000 }),
        adEvent('bid_request', `${prefix}-bid-1`, at + 4, { ...on, bidFloorMicros: 10, won: true }),
        adEvent('bid_request', `${prefix}-bid-2`, at + 5, {
          ...on,
          bidFloorMicros: 10,
          won: false,
        }),
        adEvent('bid_request', `${prefix}-bid-3`, at + 6, { ...on, bidFloorMicros: 10 }),
      ];
    }
    const mixedTotals = (campaignId: string): CampaignMetrics => ({
      campaignId,
      impressions: 2,
      clicks: 1,
      conversions: 1,
      spendMicros: 2_000_001_250,
      revenueMicros: 5_000_000_000,
      bidRequests: 3,
      bidsWon: 1,
    });

    it(
      'loads a batch once, counts its rows and sums its events per campaign',
      async () => {
        const events = mixedEvents(campaign, run);
        expect(await warehouse.loadBatch(batch('b1', events))).toEqual({ loaded: true, rows: 7 });
        expect(await metricsOf(campaign)).toEqual(mixedTotals(campaign));
      },
      SLOW_MS,
    );

    it(
      'skips a batch id already in the ledger, even when the retry carries other events',
      async () => {
        await warehouse.loadBatch(batch('b1', mixedEvents(campaign, run)));
        expect(await warehouse.loadBatch(batch('b1', mixedEvents(campaign, run)))).toEqual({
          loaded: false,
          rows: 0,
        });
        const extra = [adEvent('impression', `${run}-late-imp`, T, { campaignId: campaign })];
        expect((await warehouse.loadBatch(batch('b1', extra))).loaded).toBe(false);
        expect(await metricsOf(campaign)).toEqual(mixedTotals(campaign));
      },
      SLOW_MS,
    );

    it(
      'loads a batch exactly once when the same id is loaded concurrently',
      async () => {
        const b = batch('b1', mixedEvents(campaign, run));
        const results = await Promise.all([warehouse.loadBatch(b), warehouse.loadBatch(b)]);
        expect(results.filter((r) => r.loaded)).toHaveLength(1);
        expect(await metricsOf(campaign)).toEqual(mixedTotals(campaign));
      },
      SLOW_MS,
    );

    it(
      'records an empty batch in the ledger (all records rejected) so a retry is skipped',
      async () => {
        expect(await warehouse.loadBatch(batch('empty', []))).toEqual({ loaded: true, rows: 0 });
        expect((await warehouse.loadBatch(batch('empty', []))).loaded).toBe(false);
      },
      SLOW_MS,
    );

    it(
      'does not load an event id twice when another batch carries it again',
      async () => {
        const first = mixedEvents(campaign, run);
        await warehouse.loadBatch(batch('b1', first));
        const again = [
          first[0] as AdEvent,
          first[3] as AdEvent,
          adEvent('impression', `${run}-imp-3`, T + 10, { campaignId: campaign, costMicros: 7 }),
        ];
        expect(await warehouse.loadBatch(batch('b2', again))).toEqual({ loaded: true, rows: 1 });
        const totals = mixedTotals(campaign);
        expect(await metricsOf(campaign)).toEqual({
          ...totals,
          impressions: 3,
          spendMicros: totals.spendMicros + 7,
        });
      },
      SLOW_MS,
    );

    it(
      'keeps campaigns apart and filters by campaign id',
      async () => {
        const other = `${run}-campaign-b`;
        await warehouse.loadBatch(
          batch('b1', [...mixedEvents(campaign, `${run}-a`), ...mixedEvents(other, `${run}-b`)]),
        );
        await warehouse.loadBatch(
          batch('b2', [adEvent('click', `${run}-b-clk-2`, T + 20, { campaignId: other })]),
        );
        expect(await metricsOf(campaign)).toEqual(mixedTotals(campaign));
        expect(await metricsOf(other)).toEqual({ ...mixedTotals(other), clicks: 2 });
        await warehouse.refreshAggregates();
        const all = await warehouse.campaignMetrics({ from: T, to: T + HOUR });
        const ours = all.filter((r) => r.campaignId.startsWith(run));
        ours.sort((a, b) => (a.campaignId < b.campaignId ? -1 : 1));
        expect(ours).toEqual([mixedTotals(campaign), { ...mixedTotals(other), clicks: 2 }]);
      },
      SLOW_MS,
    );

    it(
      'filters on event time over [from, to)',
      async () => {
        const events = [
          ...mixedEvents(campaign, `${run}-before`, T - HOUR),
          ...mixedEvents(campaign, `${run}-at-from`, T),
          ...mixedEvents(campaign, `${run}-inside`, T + HOUR),
          ...mixedEvents(campaign, `${run}-at-to`, T + 2 * HOUR),
        ];
        await warehouse.loadBatch(batch('b1', events));
        const inWindow = await metricsOf(campaign, { from: T, to: T + 2 * HOUR });
        const twice = mixedTotals(campaign);
        expect(inWindow).toEqual({
          campaignId: campaign,
          impressions: 2 * twice.impressions,
          clicks: 2 * twice.clicks,
          conversions: 2 * twice.conversions,
          spendMicros: 2 * twice.spendMicros,
          revenueMicros: 2 * twice.revenueMicros,
          bidRequests: 2 * twice.bidRequests,
          bidsWon: 2 * twice.bidsWon,
        });
        expect((await metricsOf(campaign, { from: T + 2 * HOUR })).impressions).toBe(2);
        expect((await metricsOf(campaign, { to: T })).impressions).toBe(2);
        expect(await metricsOf(campaign, { from: T + 3 * HOUR })).toEqual(zero(campaign));
      },
      SLOW_MS,
    );

    it(
      'accepts attributions with a batch without counting them as events',
      async () => {
        const events = mixedEvents(campaign, run);
        const attribution: Attribution = {
          partition: 0,
          eventType: 'click',
          eventId: `${run}-clk-1`,
          eventTime: T + 2,
          userId: 'a'.repeat(64),
          campaignId: campaign,
          model: 'explicit',
          touch: { eventType: 'impression', eventId: `${run}-imp-1`, eventTime: T },
          late: false,
        };
        expect((await warehouse.loadBatch(batch('b1', events, [attribution]))).loaded).toBe(true);
        expect(await metricsOf(campaign)).toEqual(mixedTotals(campaign));
      },
      SLOW_MS,
    );

    it(
      'records when a refresh ran and which loads it covered',
      async () => {
        // settle what earlier tests left unrefreshed in a shared database
        const before = (await warehouse.refreshAggregates()).status;
        expect(['refreshed', 'current']).toContain(before);
        const settled = await warehouse.aggregatesFreshness();
        await warehouse.loadBatch(batch('b1', mixedEvents(campaign, run)));
        const outcome = await warehouse.refreshAggregates();
        if (outcome.status !== 'refreshed') throw new Error(`not refreshed: ${outcome.status}`);
        const { freshness } = outcome;
        expect(freshness.coversBatches).toBe((settled?.coversBatches ?? 0) + 1);
        expect(freshness.coversLoadsUpTo).toBeDefined();
        expect(freshness.coversLoadsUpTo!).toBeLessThanOrEqual(freshness.refreshedAt);
        expect(freshness.refreshedAt).toBeGreaterThanOrEqual(settled?.refreshedAt ?? 0);
        expect(await warehouse.aggregatesFreshness()).toEqual(freshness);
        expect(await metricsOf(campaign)).toEqual(mixedTotals(campaign));
      },
      SLOW_MS,
    );

    it(
      'skips a refresh when nothing was loaded since the last one',
      async () => {
        await warehouse.loadBatch(batch('b1', mixedEvents(campaign, run)));
        expect((await warehouse.refreshAggregates()).status).toBe('refreshed');
        const last = await warehouse.aggregatesFreshness();
        expect(await warehouse.refreshAggregates()).toEqual({ status: 'current', freshness: last });
        expect(await warehouse.refreshAggregates({ waitMs: 0 })).toEqual({
          status: 'current',
          freshness: last,
        });
        // a retried batch writes nothing, so there is still nothing to refresh
        await warehouse.loadBatch(batch('b1', mixedEvents(campaign, run)));
        expect((await warehouse.refreshAggregates()).status).toBe('current');
        // an empty batch is a load: the ledger moved
        await warehouse.loadBatch(batch('empty', []));
        expect((await warehouse.refreshAggregates()).status).toBe('refreshed');
      },
      SLOW_MS,
    );

    it(
      'refreshes once when two members refresh at the same time',
      async () => {
        await warehouse.loadBatch(batch('b1', mixedEvents(campaign, run)));
        const waiting = await Promise.all([
          warehouse.refreshAggregates(),
          warehouse.refreshAggregates(),
        ]);
        expect(waiting.map((o) => o.status).sort()).toEqual(['current', 'refreshed']);
        await warehouse.loadBatch(batch('b2', mixedEvents(`${campaign}-2`, `${run}-2`)));
        // not waiting: the second either finds the first running or finds it done
        const skipping = await Promise.all([
          warehouse.refreshAggregates({ waitMs: 0 }),
          warehouse.refreshAggregates({ waitMs: 0 }),
        ]);
        const statuses = skipping.map((o) => o.status);
        expect(statuses.filter((s) => s === 'refreshed')).toHaveLength(1);
        expect(statuses.filter((s) => s === 'busy' || s === 'current')).toHaveLength(1);
        expect(await metricsOf(`${campaign}-2`)).toEqual(mixedTotals(`${campaign}-2`));
      },
      SLOW_MS,
    );

    itKeepsDistinctIdsDistinct(() => ({ warehouse, run, batch, metricsOf }));
  });
}
