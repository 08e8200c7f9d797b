/**
 * Pseudonyms carry their key id (`k2.<hex>`): the warehouse schema (migrated PGlite, the same
 * migrations as Postgres) stores them whole in every user_id column, and a load keeps them as is.
 */
import type { Knex } from 'knex';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { migrateUp } from '../../migrations';
import { sampleBatches } from '../support/postgres';

// PGlite's WASM start and the migrations take seconds, more on a busy machine
jest.setTimeout(120_000);

let knex: Knex;
beforeAll(async () => {
  knex = await openPgliteKnex();
  await migrateUp(knex);
});
afterAll(() => knex.destroy());

it('every user_id column is unbounded text', async () => {
  const { rows } = (await knex.raw(
    "SELECT table_name, data_type FROM information_schema.columns WHERE column_name = 'user_id' " +
      'AND table_schema = current_schema() ORDER BY table_name',
  )) as { rows: { table_name: string; data_type: string }[] };
  expect(rows.map((r) => r.table_name)).toEqual(
    expect.arrayContaining([
      'fact_attribution',
      'fact_bid_request',
      'fact_click',
      'fact_conversion',
      'fact_impression',
    ]),
  );
  for (const row of rows) expect(row).toMatchObject({ data_type: 'text' });
});

it('loads and returns pseudonyms with their key id unchanged', async () => {
  const rotated = new HmacPseudonymizer([
    { id: 'k2', secret: Buffer.alloc(32, 2) },
    { id: 'k1', secret: Buffer.alloc(32, 1) },
  ]);
  const [batch] = sampleBatches('keyid', 1, 20);
  const events = batch!.events.map((e) => ({ ...e, userId: rotated.pseudonymize(e.eventId) }));
  const attributions = batch!.attributions.map((a) => ({
    ...a,
    userId: rotated.pseudonymize(a.eventId),
  }));
  await new SqlWarehouse(knex).loadBatch({ ...batch!, events, attributions });
  const { rows } = (await knex.raw(
    'SELECT event_id, user_id FROM fact_impression UNION ALL SELECT event_id, user_id FROM fact_click ' +
      'UNION ALL SELECT event_id, user_id FROM fact_conversion UNION ALL SELECT event_id, user_id FROM fact_bid_request',
  )) as { rows: { event_id: string; user_id: string }[] };
  expect(rows).toHaveLength(events.length);
  for (const row of rows) expect(row.user_id).toBe(rotated.pseudonymize(row.event_id));
  const attributed = (await knex.raw('SELECT event_id, user_id FROM fact_attribution')) as {
    rows: { event_id: string; user_id: string }[];
  };
  expect(attributed.rows.length).toBe(attributions.length);
  for (const row of attributed.rows) expect(row.user_id).toMatch(/^k2\.[0-9a-f]{64}$/);
});
