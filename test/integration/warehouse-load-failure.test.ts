/**
 * A load that fails part-way leaves nothing of its batch behind — no fact, attribution, dimension
 * or ledger row — and the same batch loads whole on the retry. Failures come from a row the schema
 * refuses (a negative amount, which validation never lets through) and from a fault injected after
 * each step of the load.
 */
import type { Knex } from 'knex';
import type { AdEvent } from '../../domain';
import type { WarehouseBatch } from '../../ports';
import type { LoadStep } from '../../adapters/warehouse/load-batch';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { ENGINES, openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

const TABLES = [
  'fact_impression',
  'fact_click',
  'fact_conversion',
  'fact_bid_request',
  'fact_attribution',
];

async function traces(knex: Knex, batchId: string): Promise<Record<string, number>> {
  const count = async (sql: string) =>
    Number((await knex.raw<{ rows: { n: unknown }[] }>(sql, [batchId])).rows[0]?.n);
  const found: Record<string, number> = {};
  for (const table of TABLES) {
    found[table] = await count(`SELECT count(*) AS n FROM ${table} WHERE batch_id = ?`);
  }
  found.dim_campaign = await count(
    'SELECT count(*) AS n FROM dim_campaign WHERE first_batch_id = ?',
  );
  found.dim_publisher = await count(
    'SELECT count(*) AS n FROM dim_publisher WHERE first_batch_id = ?',
  );
  found.load_ledger = await count('SELECT count(*) AS n FROM load_ledger WHERE batch_id = ?');
  return found;
}

const nothing = Object.fromEntries(
  [...TABLES, 'dim_campaign', 'dim_publisher', 'load_ledger'].map((t) => [t, 0]),
);

describe.each(ENGINES)('failed loads on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'failures');
  });
  afterAll(() => harness?.close());

  it('a row violating a constraint in the middle of a batch rolls the whole batch back', async () => {
    const [batch] = sampleBatches('bad-row', 1, 200, 3) as [WarehouseBatch];
    const events = [...batch.events];
    const middle = events.findIndex((e, i) => i > 100 && e.eventType === 'impression');
    events[middle] = { ...(events[middle] as AdEvent), costMicros: -1 };
    const warehouse = new SqlWarehouse(harness.knex);

    await expect(warehouse.loadBatch({ ...batch, events })).rejects.toThrow(/cost_micros/);
    expect(await traces(harness.knex, batch.batchId)).toEqual(nothing);

    const retry = await warehouse.loadBatch(batch);
    expect(retry).toEqual({ loaded: true, rows: 200 });
    const loaded = await traces(harness.knex, batch.batchId);
    expect(loaded.load_ledger).toBe(1);
    expect(loaded.dim_campaign).toBeGreaterThan(0);
  });

  it.each<LoadStep>(['claimed', 'staged', 'dimensions', 'facts', 'attributions', 'recorded'])(
    'a failure after the %s step leaves nothing behind, and the retry loads it all',
    async (failAt) => {
      const [batch] = sampleBatches(`fail-${failAt}`, 1, 120, 5) as [WarehouseBatch];
      const failing = new SqlWarehouse(harness.knex, {
        onLoadStep: (step) => {
          if (step === failAt) throw new Error(`injected failure after ${step}`);
        },
      });
      await expect(failing.loadBatch(batch)).rejects.toThrow(`injected failure after ${failAt}`);
      expect(await traces(harness.knex, batch.batchId)).toEqual(nothing);

      expect(await new SqlWarehouse(harness.knex).loadBatch(batch)).toEqual({
        loaded: true,
        rows: 120,
      });
      const loaded = await traces(harness.knex, batch.batchId);
      expect(loaded.load_ledger).toBe(1);
      expect(loaded.fact_attribution).toBe(batch.attributions.length);
    },
  );
});
