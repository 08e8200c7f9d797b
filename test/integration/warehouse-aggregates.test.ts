/**
 * The aggregate views against a recomputation from the facts, and campaignMetrics (from views
 * and from facts) against the in-memory warehouse fed the same batches; then a refresh in
 * progress: it does not block a reader of the view, who sees the totals from before it.
 */
import type { Knex } from 'knex';
import { campaignKpis } from '../../domain';
import { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { ENGINES, openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T = Date.UTC(2026, 10, 25);

/** the hourly grain recomputed straight from the fact tables, independently of the view's SQL */
const RECOMPUTED_HOURLY = `
  SELECT campaign_id, hour_start_ms, sum(i)::bigint AS impressions, sum(c)::bigint AS clicks,
         sum(v)::bigint AS conversions, sum(s)::bigint AS spend_micros,
         sum(r)::bigint AS revenue_micros, sum(b)::bigint AS bid_requests, sum(w)::bigint AS bids_won
  FROM (
    SELECT campaign_id, event_time_ms - event_time_ms % 3600000 AS hour_start_ms,
           1 AS i, 0 AS c, 0 AS v, coalesce(cost_micros, 0) AS s, 0 AS r, 0 AS b, 0 AS w
    FROM fact_impression
    UNION ALL SELECT campaign_id, event_time_ms - event_time_ms % 3600000, 0, 1, 0, 0, 0, 0, 0
    FROM fact_click
    UNION ALL SELECT campaign_id, event_time_ms - event_time_ms % 3600000, 0, 0, 1, 0,
           coalesce(revenue_micros, 0), 0, 0 FROM fact_conversion
    UNION ALL SELECT campaign_id, event_time_ms - event_time_ms % 3600000, 0, 0, 0, 0, 0, 1,
           CASE WHEN won THEN 1 ELSE 0 END FROM fact_bid_request
  ) contributions
  GROUP BY 1, 2 ORDER BY 1, 2`;

const TOTALS =
  'impressions, clicks, conversions, spend_micros, revenue_micros, bid_requests, bids_won';

async function rows(knex: Knex, sql: string): Promise<Record<string, unknown>[]> {
  const result = await knex.raw<{ rows: Record<string, unknown>[] }>(sql);
  // pg gives BIGINT as text, PGlite as number: compare as text
  return result.rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : String(v)])),
  );
}

describe.each(ENGINES)('aggregates on %s', (engine) => {
  let harness: EngineHarness;
  const memory = new MemoryWarehouse();
  beforeAll(async () => {
    harness = await openEngine(engine, 'aggregates');
    const warehouse = new SqlWarehouse(harness.knex);
    const batches = sampleBatches('agg', 6, 400);
    // a batch carrying events already loaded: neither warehouse may count them twice
    const replay = {
      ...batches[1]!,
      batchId: 'agg-replay',
      events: batches[1]!.events.slice(0, 50),
    };
    for (const batch of [...batches, replay]) {
      await warehouse.loadBatch(batch);
      await memory.loadBatch(batch);
    }
    await warehouse.refreshAggregates();
  });
  afterAll(() => harness?.close());

  it('the hourly view equals a recomputation from the facts', async () => {
    const view = await rows(
      harness.knex,
      `SELECT campaign_id, hour_start_ms, ${TOTALS} FROM mv_campaign_hourly ORDER BY 1, 2`,
    );
    expect(view.length).toBeGreaterThan(50);
    expect(view).toEqual(await rows(harness.knex, RECOMPUTED_HOURLY));
  });

  it('the daily view equals the hourly view summed per UTC day', async () => {
    const daily = await rows(
      harness.knex,
      `SELECT campaign_id, date_key, ${TOTALS} FROM mv_campaign_daily ORDER BY 1, 2`,
    );
    const sums = TOTALS.split(', ')
      .map((t) => `sum(${t})::bigint AS ${t}`)
      .join(', ');
    expect(daily).toEqual(
      await rows(
        harness.knex,
        `SELECT campaign_id, to_char(hour_start AT TIME ZONE 'UTC', 'YYYYMMDD')::int AS date_key,
                ${sums} FROM mv_campaign_hourly GROUP BY 1, 2 ORDER BY 1, 2`,
      ),
    );
  });

  it('the views derive every rate from their totals, as campaignKpis does', async () => {
    const { rows: view } = await harness.knex.raw<{ rows: Record<string, unknown>[] }>(
      'SELECT * FROM mv_campaign_daily',
    );
    for (const row of view) {
      const n = (k: string) => Number(row[k]);
      const kpis = campaignKpis({
        campaignId: String(row.campaign_id),
        impressions: n('impressions'),
        clicks: n('clicks'),
        conversions: n('conversions'),
        spendMicros: n('spend_micros'),
        revenueMicros: n('revenue_micros'),
        bidRequests: n('bid_requests'),
        bidsWon: n('bids_won'),
      });
      for (const [column, expected] of [
        ['ctr', kpis.ctr],
        ['cvr', kpis.cvr],
        ['cpa', kpis.cpa],
        ['cpm', kpis.cpm],
        ['roas', kpis.roas],
        ['win_rate', kpis.winRate],
      ] as const) {
        if (expected === null) expect(row[column]).toBeNull();
        else expect(Number(row[column])).toBeCloseTo(expected, 9);
      }
    }
  });

  it.each([
    ['everything', {}],
    ['whole days', { from: T + DAY, to: T + 2 * DAY }],
    ['whole hours', { from: T + 5 * HOUR, to: T + 30 * HOUR }],
    ['milliseconds', { from: T + 5 * HOUR + 17, to: T + 30 * HOUR - 3 }],
    ['open end', { from: T + 40 * HOUR }],
  ])('campaignMetrics over %s equals the in-memory warehouse', async (_, query) => {
    const expected = await memory.campaignMetrics(query);
    expect(expected.length).toBeGreaterThan(0);
    for (const metricsSource of ['aggregates', 'facts'] as const) {
      const warehouse = new SqlWarehouse(harness.knex, { metricsSource });
      expect(await warehouse.campaignMetrics(query)).toEqual(expected);
    }
  });
});

describe('a refresh in progress on postgres', () => {
  let harness: EngineHarness;
  let refresher: Knex;
  let reader: Knex;
  beforeAll(async () => {
    harness = await openEngine('postgres', 'refresh');
    const warehouse = new SqlWarehouse(harness.knex);
    for (const batch of sampleBatches('refresh', 2, 500)) await warehouse.loadBatch(batch);
    refresher = createPostgresKnex({ connectionString: harness.url!, poolMax: 1 });
    reader = createPostgresKnex({ connectionString: harness.url!, poolMax: 1 });
  });
  afterAll(async () => {
    await refresher?.destroy();
    await reader?.destroy();
    await harness?.close();
  });

  const hourlyRows = async (knex: Knex | Knex.Transaction): Promise<number> => {
    const { rows } = await knex.raw<{ rows: { n: number }[] }>(
      'SELECT count(*)::int AS n FROM mv_campaign_hourly',
    );
    return rows[0]!.n;
  };

  /** holds `refresh` open (its locks are kept until the transaction ends) while another session reads */
  async function readDuringRefresh(
    refresh: string,
  ): Promise<{ read: 'read' | 'blocked'; rows?: number; refreshing?: number }> {
    const trx = await refresher.transaction();
    try {
      await trx.raw(refresh);
      const refreshing = await hourlyRows(trx);
      // lock_timeout: a reader that would wait for the refresh gives up after a second instead
      const rows = await reader.transaction(async (r) => {
        await r.raw("SET LOCAL lock_timeout = '1s'");
        return hourlyRows(r);
      });
      return { read: 'read', rows, refreshing };
    } catch (error) {
      if (/lock timeout/.test((error as Error).message)) return { read: 'blocked' };
      throw error;
    } finally {
      await trx.rollback();
    }
  }

  it('lets a reader read the previous totals while the delta rows of loads are being added', async () => {
    expect(await readDuringRefresh('SELECT adx_apply_aggregate_deltas()')).toEqual({
      read: 'read',
      rows: 0,
      refreshing: expect.any(Number),
    });
    // (and the refresh did add them, in its own transaction)
    const during = await readDuringRefresh('SELECT adx_apply_aggregate_deltas()');
    expect(during.refreshing).toBeGreaterThan(0);
  });

  it('(control: a lock that does block the same reader, so the check can fail)', async () => {
    expect(
      await readDuringRefresh('LOCK TABLE campaign_hourly_totals IN ACCESS EXCLUSIVE MODE'),
    ).toEqual({ read: 'blocked' });
  });
});
