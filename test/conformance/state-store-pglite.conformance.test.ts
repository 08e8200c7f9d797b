/** The StateStore conformance suite against PGlite: one instance per file, a schema per test. */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { migrateUp } from '../../migrations';
import { stateStoreConformance } from './suites/state-store.suite';

let knex: Knex;
beforeAll(async () => {
  knex = await openPgliteKnex();
}, 120_000);
afterAll(() => knex?.destroy());

// PGlite has a single connection, so a search_path set on it holds for every later query: each
// test gets a fresh, migrated schema of its own
stateStoreConformance('pglite', async () => {
  const schema = `state_${randomBytes(4).toString('hex')}`;
  await knex.raw(`CREATE SCHEMA ${schema}`);
  await knex.raw(`SET search_path TO ${schema}`);
  await migrateUp(knex);
  return { store: new PostgresStateStore(knex) };
});
