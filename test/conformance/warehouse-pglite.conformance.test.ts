/** The Warehouse conformance suite against PGlite: one in-memory database for this file. */
import type { Knex } from 'knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { migrateUp } from '../../migrations';
import { warehouseConformance } from './suites/warehouse.suite';

// one PGlite for the file (it takes seconds to start); ids are unique per test, as the suite expects
let knex: Knex;
beforeAll(async () => {
  knex = await openPgliteKnex();
  await migrateUp(knex);
}, 120_000);
afterAll(() => knex?.destroy());

// the warehouse does not own the shared instance: its close() leaves it open for the next test
warehouseConformance('pglite (in memory)', async () => ({ warehouse: new SqlWarehouse(knex) }));
