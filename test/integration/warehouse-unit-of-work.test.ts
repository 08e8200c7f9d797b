/**
 * PostgresUnitOfWork: the warehouse load and the decider-state commit of a batch in one
 * transaction — both or neither — and a retry of a committed batch writes nothing at all.
 */
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { PostgresUnitOfWork } from '../../adapters/postgres/postgres-unit-of-work';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import type { DomainEvent } from '../../domain';
import type { StateCommit, WarehouseBatch } from '../../ports';
import { ENGINES, openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

describe.each(ENGINES)('PostgresUnitOfWork on %s', (engine) => {
  let harness: EngineHarness;
  let warehouse: SqlWarehouse;
  let store: PostgresStateStore;
  let unit: PostgresUnitOfWork;
  beforeAll(async () => {
    harness = await openEngine(engine, 'uow');
    warehouse = new SqlWarehouse(harness.knex);
    store = new PostgresStateStore(harness.knex);
    unit = new PostgresUnitOfWork(warehouse, store);
  });
  afterAll(() => harness?.close());

  const commitOf = (batch: WarehouseBatch, offset: string): StateCommit => ({
    batchId: batch.batchId,
    events: batch.events.map((event): DomainEvent => ({ type: 'EventAccepted', event })),
    positions: [{ topic: 'impressions', partition: 0, offset }],
  });
  const ledgered = async (batchId: string) =>
    Number(
      (
        await harness.knex.raw<{ rows: { n: unknown }[] }>(
          'SELECT count(*) AS n FROM load_ledger WHERE batch_id = ?',
          [batchId],
        )
      ).rows[0]?.n,
    );

  it('commits the rows, the ledger entry, the domain events and the offsets together', async () => {
    const [batch] = sampleBatches('uow-ok', 1, 60) as [WarehouseBatch];
    expect(await unit.loadAndCommit(batch, commitOf(batch, '60'))).toEqual({
      loaded: true,
      rows: 60,
    });
    const state = await store.load();
    expect(state.eventsAfterSnapshot).toHaveLength(60);
    expect(state.positions).toEqual([{ topic: 'impressions', partition: 0, offset: '60' }]);
    expect(await ledgered(batch.batchId)).toBe(1);

    // a retry (say the COMMIT's acknowledgement was lost) finds the ledger row and writes nothing
    expect(await unit.loadAndCommit(batch, commitOf(batch, '60'))).toEqual({
      loaded: false,
      rows: 0,
    });
    expect(await store.load()).toEqual(state);
  });

  it('rolls the load back when the state commit fails', async () => {
    const before = await store.load();
    const [batch] = sampleBatches('uow-fail', 1, 40, 9) as [WarehouseBatch];
    // an offset that is not an int64 makes the state commit fail after the load succeeded
    await expect(unit.loadAndCommit(batch, commitOf(batch, 'not-an-offset'))).rejects.toThrow();
    expect(await ledgered(batch.batchId)).toBe(0);
    expect(await store.load()).toEqual(before);
    expect((await unit.loadAndCommit(batch, commitOf(batch, '100'))).loaded).toBe(true);
  });

  it('refuses a state commit of another batch', () => {
    const [batch] = sampleBatches('uow-mix', 1, 1) as [WarehouseBatch];
    expect(() => unit.loadAndCommit(batch, { ...commitOf(batch, '1'), batchId: 'other' })).toThrow(
      /committed as other/,
    );
  });
});
