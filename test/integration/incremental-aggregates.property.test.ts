/**
 * The incremental aggregates (migration 010) against an offline reference: any sequence of loads
 * (new batches, a batch loaded again, batches repeating events of others under new ids) with
 * refreshes anywhere in between leaves the hourly and daily views equal to the totals computed
 * over everything loaded so far, after every refresh. And a load that commits while a refresh is
 * running is added by the next refresh, neither lost nor added twice.
 */
import fc from 'fast-check';
import type { Knex } from 'knex';
import type { WarehouseBatch } from '../../ports';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { loadBatchInTransaction } from '../../adapters/warehouse/load-batch';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import {
  referenceCampaignTotals,
  TOTAL_COLUMNS,
  type TotalsRow,
} from '../support/campaign-totals-reference';
import { migrateDown, migrateUp } from '../../migrations';
import { ENGINES, openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

const byKey = (a: TotalsRow, b: TotalsRow): number =>
  a.campaign_id! < b.campaign_id!
    ? -1
    : a.campaign_id! > b.campaign_id!
      ? 1
      : Number(a.hour_start_ms ?? a.date_key) - Number(b.hour_start_ms ?? b.date_key);

/** the views' rows of campaigns whose id starts with `prefix`, as text */
async function viewTotals(knex: Knex, grain: 'hour' | 'day', prefix: string): Promise<TotalsRow[]> {
  const [view, bucket] =
    grain === 'hour' ? ['mv_campaign_hourly', 'hour_start_ms'] : ['mv_campaign_daily', 'date_key'];
  const { rows } = await knex.raw<{ rows: Record<string, unknown>[] }>(
    `SELECT campaign_id, ${bucket}, ${TOTAL_COLUMNS.join(', ')} FROM ${view} WHERE campaign_id LIKE ?`,
    [`${prefix}%`],
  );
  return rows
    .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])))
    .sort(byKey);
}

/**
 * Six batches to load from: four of their own, one repeating a slice of the first two's events
 * under a new batch id (the facts keep the first copy), one a slice of the third's.
 */
function batchPool(prefix: string, seed: number): WarehouseBatch[] {
  const own = sampleBatches(prefix, 4, 40, seed);
  const [a, b, c] = own as [WarehouseBatch, WarehouseBatch, WarehouseBatch];
  const repeat = (id: string, events: WarehouseBatch['events']): WarehouseBatch => ({
    batchId: `${prefix}-${id}`,
    events,
    attributions: [],
    stagedKeys: [],
  });
  return [
    ...own,
    repeat('overlap-ab', [...a.events.slice(0, 10), ...b.events.slice(5, 25)]),
    repeat('overlap-c', c.events.slice(20)),
  ];
}

type Step = { readonly load: number } | { readonly refresh: true };
const steps = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 5 }).map((load): Step => ({ load })) },
    { weight: 1, arbitrary: fc.constant<Step>({ refresh: true }) },
  ),
  { minLength: 1, maxLength: 12 },
);

describe.each(ENGINES)('incremental aggregates on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'incremental');
  });
  afterAll(() => harness?.close());

  it('equal the offline totals of everything loaded, after every refresh', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 1, max: 1_000 }), async (plan, seed) => {
        // each run has campaigns of its own in the one warehouse
        const prefix = `r${run++}x`;
        const pool = batchPool(prefix, seed);
        const warehouse = new SqlWarehouse(harness.knex);
        const loaded: WarehouseBatch[] = [];
        const check = async () => {
          await warehouse.refreshAggregates();
          for (const grain of ['hour', 'day'] as const) {
            expect(await viewTotals(harness.knex, grain, prefix)).toEqual(
              referenceCampaignTotals(loaded, grain),
            );
          }
        };
        for (const step of plan) {
          if ('refresh' in step) await check();
          else {
            const batch = pool[step.load]!;
            await warehouse.loadBatch(batch);
            loaded.push(batch);
          }
        }
        await check();
      }),
      { numRuns: engine === 'pglite' ? 6 : 12 },
    );
  });
});

describe('a load committing during a refresh, on postgres', () => {
  let harness: EngineHarness;
  let loader: Knex;
  beforeAll(async () => {
    harness = await openEngine('postgres', 'incremental_race');
    loader = createPostgresKnex({ connectionString: harness.url!, poolMax: 1 });
  });
  afterAll(async () => {
    await loader?.destroy();
    await harness?.close();
  });

  it('is added by the next refresh, once', async () => {
    const [first, second] = sampleBatches('race', 2, 200) as [WarehouseBatch, WarehouseBatch];
    const warehouse = new SqlWarehouse(harness.knex);
    await warehouse.loadBatch(first);
    // the second load is open (its facts and their delta rows written, not committed) while refreshing
    const open = await loader.transaction();
    try {
      expect((await loadBatchInTransaction(open, second)).loaded).toBe(true);
      expect((await warehouse.refreshAggregates()).status).toBe('refreshed');
      expect(await viewTotals(harness.knex, 'hour', 'race')).toEqual(
        referenceCampaignTotals([first], 'hour'),
      );
      await open.commit();
    } catch (error) {
      await open.rollback();
      throw error;
    }
    expect((await warehouse.refreshAggregates()).status).toBe('refreshed');
    for (const grain of ['hour', 'day'] as const) {
      expect(await viewTotals(harness.knex, grain, 'race')).toEqual(
        referenceCampaignTotals([first, second], grain),
      );
    }
    // nothing pending is left to add a second time
    expect((await warehouse.refreshAggregates()).status).toBe('current');
    expect(await viewTotals(harness.knex, 'hour', 'race')).toEqual(
      referenceCampaignTotals([first, second], 'hour'),
    );
  });
});

describe.each(ENGINES)('migration 010 on a warehouse with facts, on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'incremental_seed');
  });
  afterAll(() => harness?.close());

  it('seeds the totals from the facts already loaded, and down gives the same views back', async () => {
    const batches = sampleBatches('seed', 3, 150);
    const warehouse = new SqlWarehouse(harness.knex);
    for (const batch of batches) await warehouse.loadBatch(batch);
    const expected = {
      hour: referenceCampaignTotals(batches, 'hour'),
      day: referenceCampaignTotals(batches, 'day'),
    };
    // back to 009: the materialized views, built from the facts (011 after 010 only sets how the
    // state store's bodies are stored)
    expect(await migrateDown(harness.knex)).toEqual(['011_state_bodies_uncompressed']);
    expect(await migrateDown(harness.knex)).toEqual(['010_incremental_aggregates']);
    for (const grain of ['hour', 'day'] as const)
      expect(await viewTotals(harness.knex, grain, 'seed')).toEqual(expected[grain]);
    // up again: the totals seeded from the same facts, with no delta pending
    expect(await migrateUp(harness.knex)).toEqual([
      '010_incremental_aggregates',
      '011_state_bodies_uncompressed',
    ]);
    for (const grain of ['hour', 'day'] as const)
      expect(await viewTotals(harness.knex, grain, 'seed')).toEqual(expected[grain]);
    await warehouse.refreshAggregates();
    expect(await viewTotals(harness.knex, 'hour', 'seed')).toEqual(expected.hour);
  });
});
