/** The Warehouse conformance suite against PostgreSQL: one migrated database for this file. */
import { openPostgresWarehouse } from '../../adapters/warehouse/postgres-warehouse';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { warehouseConformance } from './suites/warehouse.suite';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('wh_conf', { migrated: true });
}, 60_000);
afterAll(() => database?.drop());

// both ways of answering campaignMetrics must give the suite's exact answers
for (const metricsSource of ['aggregates', 'facts'] as const) {
  warehouseConformance(`postgres, metrics from ${metricsSource}`, async () => ({
    warehouse: await openPostgresWarehouse({ connectionString: database.url, metricsSource }),
  }));
}
