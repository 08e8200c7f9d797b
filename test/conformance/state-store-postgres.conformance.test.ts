/** The StateStore conformance suite against PostgreSQL: a database per file, a schema per test. */
import {
  PostgresStateStore,
  openPostgresStateStore,
} from '../../adapters/postgres/postgres-state-store';
import { createMigratedSchema, createTestDatabase, type TestDatabase } from '../support/postgres';
import { stateStoreConformance } from './suites/state-store.suite';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('state_conf');
}, 60_000);
afterAll(() => database?.drop());

stateStoreConformance('postgres', async () => {
  const schema = await createMigratedSchema(database.url, 'state');
  const store: PostgresStateStore = openPostgresStateStore({
    connectionString: database.url,
    schema,
  });
  return { store };
});
