/**
 * The LineageLog conformance suite against PostgresLineageLog, on PostgreSQL (a database per
 * file, a schema per test) and on PGlite (one instance, a schema per test); and its part in the
 * unit of work: a batch's steps commit with its load, and only when the batch was loaded.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { PostgresLineageLog } from '../../adapters/lineage/postgres-lineage-log';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { PostgresUnitOfWork } from '../../adapters/postgres/postgres-unit-of-work';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { migrateUp } from '../../migrations';
import type { BatchLineageRecord, LineageStep, PartitionCommit, WarehouseBatch } from '../../ports';
import {
  createMigratedSchema,
  createTestDatabase,
  ENGINES,
  openEngine,
  sampleBatches,
  type TestDatabase,
} from '../support/postgres';
import { lineageLogConformance } from './suites/lineage-log.suite';

let database: TestDatabase;
let pglite: Knex;
beforeAll(async () => {
  database = await createTestDatabase('lineage_conf');
  pglite = await openPgliteKnex();
}, 120_000);
afterAll(async () => {
  await pglite?.destroy();
  await database?.drop();
});

lineageLogConformance('postgres', async () => {
  const schema = await createMigratedSchema(database.url, 'lineage');
  const knex = createPostgresKnex({ connectionString: database.url, schema, poolMax: 2 });
  return { log: new PostgresLineageLog(knex), cleanup: () => knex.destroy() };
});

lineageLogConformance('pglite', async () => {
  const schema = `lineage_${randomBytes(4).toString('hex')}`;
  await pglite.raw(`CREATE SCHEMA ${schema}`);
  await pglite.raw(`SET search_path TO ${schema}`);
  await migrateUp(pglite);
  return { log: new PostgresLineageLog(pglite) };
});

const stepsOf = (batchId: string): LineageStep[] =>
  (['ingest', 'load'] as const).map((step) => ({
    batchId,
    step,
    inputs: ['kafka://impressions/0/0-9'],
    outputs: [`table:fact_impression`],
    counts: { received: 10, accepted: 10 },
    ruleVersions: { code: 'test' },
    at: 1,
  }));

/** the batch's steps, and one rejected record among its offsets (at `offset`) */
const lineageOf = (batchId: string, offset = '3'): BatchLineageRecord => ({
  steps: stepsOf(batchId),
  stopped: [
    {
      batchId,
      topic: `${batchId}.impressions`,
      partition: 0,
      offset,
      step: 'validate',
      reason: 'corrupt_payload',
      path: '',
      detail: 'not JSON',
    },
  ],
});

describe.each(ENGINES)('lineage in the unit of work on %s', (engine) => {
  it('writes a batch’s steps with its load, never for a skipped or failed load', async () => {
    const harness = await openEngine(engine, 'lineage_uow');
    try {
      const warehouse = new SqlWarehouse(harness.knex);
      const log = new PostgresLineageLog(harness.knex);
      const store = new PostgresStateStore(harness.knex);
      const unit = new PostgresUnitOfWork(warehouse, store, log);
      expect(unit.recordsLineage).toBe(true);
      const [a, b] = sampleBatches(`lin${engine}`, 2, 5) as [WarehouseBatch, WarehouseBatch];
      const { epoch } = await store.acquire(0, 'lineage-test');
      const commitOf = (batch: WarehouseBatch, offset: string): PartitionCommit => ({
        partition: 0,
        epoch,
        batchId: batch.batchId,
        positions: [{ topic: 'impressions', partition: 0, offset }],
      });
      expect((await unit.loadAndCommit(a, commitOf(a, '10'), lineageOf(a.batchId))).loaded).toBe(
        true,
      );
      expect(await log.stepsOfBatch(a.batchId)).toHaveLength(2);
      expect(await log.stoppedInBatch(a.batchId)).toEqual(lineageOf(a.batchId).stopped);
      // a retry is skipped by the ledger: its (different) lineage is not written either
      const retry = lineageOf(a.batchId, '99');
      const retrySteps = retry.steps.map((s) => ({ ...s, at: 2 }));
      expect(
        (await unit.loadAndCommit(a, commitOf(a, '10'), { ...retry, steps: retrySteps })).loaded,
      ).toBe(false);
      expect((await log.stepsOfBatch(a.batchId)).map((s) => s.at)).toEqual([1, 1]);
      expect(await log.stoppedInBatch(a.batchId)).toEqual(lineageOf(a.batchId).stopped);
      // a load that fails (bad offset) rolls its lineage back with it
      await expect(
        unit.loadAndCommit(b, commitOf(b, 'not-an-offset'), lineageOf(b.batchId)),
      ).rejects.toThrow();
      expect(await log.stepsOfBatch(b.batchId)).toEqual([]);
      expect(await log.stoppedInBatch(b.batchId)).toEqual([]);
    } finally {
      await harness.close();
    }
  }, 60_000);
});
