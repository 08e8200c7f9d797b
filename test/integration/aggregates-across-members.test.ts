/**
 * Two members on one Postgres warehouse, each with its own pool and refresher, as two `adx serve`
 * processes have: member A loads and is killed (its refresher never runs, nothing is stopped);
 * member B, which loads nothing, refreshes A's loads on its own timer, and `adx report` then says
 * when and up to which load. Then a draining member refreshes its own last loads before it exits.
 */
import { MemoryMetrics } from '../../adapters/memory/memory-metrics';
import { openPostgresWarehouse } from '../../adapters/warehouse/postgres-warehouse';
import type { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import type { Logger } from '../../ports';
import { AggregateRefresher } from '../../src/pipeline/aggregate-refresher';
import buildDist from '../cli/support/build-dist';
import { adx } from '../cli/support/adx';
import { createTestDatabase, sampleBatches, type TestDatabase } from '../support/postgres';
import { waitFor } from '../support/stack';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const HOUR = 3_600_000;
const REPORT = ['report', '--from', '2026-11-01', '--to', '2026-12-01'];

let database: TestDatabase;
const open: SqlWarehouse[] = [];
beforeAll(async () => {
  buildDist();
  database = await createTestDatabase('agg_members', { migrated: true });
}, 300_000);
afterAll(async () => {
  for (const w of open) await w.close();
  await database?.drop();
});

async function member(): Promise<SqlWarehouse> {
  const warehouse = await openPostgresWarehouse({ connectionString: database.url, poolMax: 2 });
  open.push(warehouse);
  return warehouse;
}

/** every event the views count, read by a third connection as a reader would */
async function eventsInViews(reader: SqlWarehouse): Promise<number> {
  const { rows } = await reader.knex.raw<{ rows: { n: string | null }[] }>(
    'SELECT sum(impressions + clicks + conversions + bid_requests)::text AS n FROM mv_campaign_daily',
  );
  return Number(rows[0]?.n ?? 0);
}

it('a member that loaded nothing refreshes what a killed member loaded, and the report says when', async () => {
  const reader = await member();
  const before = await adx([...REPORT, '--json'], { DATABASE_URL: database.url });
  expect(before.code).toBe(0);
  expect(JSON.parse(before.stdout)).toMatchObject({ views: null, campaigns: [] });

  // member A: loads, tells its refresher, and dies before any tick (its interval is an hour)
  const warehouseA = await member();
  const refresherA = new AggregateRefresher(warehouseA, new MemoryMetrics(), quiet, HOUR);
  refresherA.start();
  let loaded = 0;
  const batches = sampleBatches('members', 4, 250);
  for (const batch of batches) {
    loaded += (await warehouseA.loadBatch(batch)).rows;
    refresherA.loaded();
  }
  expect(loaded).toBeGreaterThan(0);
  expect(await eventsInViews(reader)).toBe(0);

  // member B: never loads; its timer sees the ledger ahead of the last refresh by anyone
  const metricsB = new MemoryMetrics();
  const refresherB = new AggregateRefresher(await member(), metricsB, quiet, 200);
  refresherB.start();
  try {
    await waitFor(
      "member B's refresh of member A's loads",
      async () => (await eventsInViews(reader)) === loaded,
      120_000,
      () => `(views count ${loaded} events?)`,
    );
  } finally {
    await refresherB.stop();
  }
  const freshness = await reader.aggregatesFreshness();
  expect(freshness?.coversBatches).toBe(batches.length);
  expect(metricsB.lastRefresh).toBe(freshness?.refreshedAt);

  const text = await adx(REPORT, { DATABASE_URL: database.url });
  expect(text.code).toBe(0);
  expect(text.stdout).toContain(
    `views refreshed at ${new Date(freshness!.refreshedAt).toISOString()} ` +
      `(covering loads up to ${new Date(freshness!.coversLoadsUpTo!).toISOString()})`,
  );
  const json = await adx([...REPORT, '--json'], { DATABASE_URL: database.url });
  const parsed = JSON.parse(json.stdout) as {
    views: { refreshedAt: string; coversBatches: number };
    campaigns: { impressions: number }[];
  };
  expect(parsed.views).toMatchObject({
    refreshedAt: new Date(freshness!.refreshedAt).toISOString(),
    coversBatches: batches.length,
  });
}, 300_000);

it('a draining member refreshes its own last loads before it exits', async () => {
  const reader = await member();
  const warehouse = await member();
  const refresher = new AggregateRefresher(warehouse, new MemoryMetrics(), quiet, HOUR);
  refresher.start();
  const inViews = await eventsInViews(reader);
  const [batch] = sampleBatches('draining', 1, 120, 9);
  const { rows } = await warehouse.loadBatch(batch!);
  refresher.loaded();
  expect(await eventsInViews(reader)).toBe(inViews);
  await refresher.stop();
  expect(await eventsInViews(reader)).toBe(inViews + rows);
}, 120_000);
