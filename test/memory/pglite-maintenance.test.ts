import type { Knex } from 'knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import {
  cacheMemoryBytes,
  maintainPglite,
  resetCatalogCaches,
} from '../../adapters/warehouse/pglite-maintenance';
import { HEAVY_TEST_MS } from '../support/timeouts';

/**
 * What the embedded warehouse's housekeeping does, on a real PGlite (in memory): VACUUM makes the
 * space of deleted rows reusable (no autovacuum in PGlite), and the catalog cache reset stops the
 * growth that a fresh stage table per load causes. (--experimental-vm-modules: see pglite-knex.)
 */
describe('PGlite maintenance', () => {
  let knex: Knex;

  beforeAll(async () => {
    knex = await openPgliteKnex();
  }, HEAVY_TEST_MS);
  afterAll(() => knex.destroy());

  const tableBytes = async (table: string): Promise<number> => {
    const r = await knex.raw<{ rows: { bytes: string }[] }>(
      'SELECT pg_relation_size(?::regclass)::text AS bytes',
      [table],
    );
    return Number(r.rows[0]?.bytes);
  };

  it('VACUUM lets rows written after a delete reuse the deleted rows’ space', async () => {
    await knex.raw('CREATE TABLE churn (id int PRIMARY KEY, body text)');
    const fill = (from: number) =>
      knex.raw(
        `INSERT INTO churn SELECT g, repeat('x', 200) FROM generate_series(?::int, ?::int) g`,
        [from, from + 9_999],
      );
    await fill(0);
    const full = await tableBytes('churn');
    await knex.raw('DELETE FROM churn');
    await maintainPglite(knex);
    await fill(10_000);
    // the same number of rows again, in the space VACUUM freed: the table did not grow
    expect(await tableBytes('churn')).toBe(full);
    expect((await knex('churn').count<{ count: string }[]>('* as count'))[0]?.count).toBe(10_000);
  });

  /** a load's pattern: a fresh stage table, planned over, dropped at commit */
  const loads = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++)
      await knex.transaction(async (trx) => {
        await trx.raw('CREATE TEMPORARY TABLE stage (a int, b int, c text) ON COMMIT DROP');
        await trx.raw("INSERT INTO stage SELECT g, g, 'x' FROM generate_series(1, 5) g");
        await trx.raw('INSERT INTO sink SELECT a, b, c FROM stage WHERE b > 2');
      });
  };

  it(
    'a catalog cache reset stops CacheMemoryContext from growing with every stage table',
    async () => {
      await knex.raw('CREATE TABLE sink (a int, b int, c text)');
      const start = (await cacheMemoryBytes(knex)).total;
      await loads(1_500);
      const grown = (await cacheMemoryBytes(knex)).total;
      expect(grown).toBeGreaterThan(start);
      // without a reset it keeps growing
      await loads(1_500);
      const grownAgain = (await cacheMemoryBytes(knex)).total;
      expect(grownAgain).toBeGreaterThan(grown);
      // a reset frees the entries (the context keeps its blocks, as free space)...
      const inUse = (await cacheMemoryBytes(knex)).used;
      await resetCatalogCaches(knex);
      expect((await cacheMemoryBytes(knex)).used).toBeLessThan(inUse / 2);
      // ...which the next entries reuse: as many loads again do not grow it
      await loads(3_000);
      expect((await cacheMemoryBytes(knex)).total).toBe(grownAgain);
      // and the data the loads wrote are all there
      expect((await knex('sink').count<{ count: string }[]>('* as count'))[0]?.count).toBe(
        6_000 * 3,
      );
    },
    HEAVY_TEST_MS,
  );

  it('resets the caches only once they exceed the threshold', async () => {
    const { used } = await cacheMemoryBytes(knex);
    expect((await maintainPglite(knex, { cacheResetBytes: used * 2 })).cacheReset).toBe(false);
    expect((await maintainPglite(knex, { cacheResetBytes: 0 })).cacheReset).toBe(true);
  });
});
