/**
 * PostgresUnitOfWork: the warehouse load and the decider-state commit of a batch in one
 * transaction — both or neither —, a retry of a committed batch writes nothing at all, and a
 * commit under a stale ownership epoch leaves no trace of its batch.
 */
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { PostgresUnitOfWork } from '../../adapters/postgres/postgres-unit-of-work';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { asStateChange, type DomainEvent } from '../../domain';
import type { PartitionCommit, WarehouseBatch } from '../../ports';
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

  let epoch = 0;
  let head = 0;
  beforeAll(async () => {
    ({ epoch, head } = await store.acquire(0, 'uow-test'));
  });
  const commitOf = (batch: WarehouseBatch, offset: string, at = epoch): PartitionCommit => ({
    partition: 0,
    epoch: at,
    batchId: batch.batchId,
    entry: {
      sequence: head + 1,
      batchId: batch.batchId,
      events: batch.events.map((event): DomainEvent =>
        asStateChange({ type: 'EventAccepted', event }),
      ),
      clock: { inputs: [], watermark: 0 },
    },
    positions: [{ topic: 'impressions', partition: 0, offset }],
  });
  /** what a member taking the group over would restore */
  const restored = async () => {
    const acquired = await store.acquire(0, 'uow-test', -1);
    epoch = acquired.epoch;
    head = acquired.head;
    return {
      events: acquired.changes.flatMap((c) => c.events).length,
      head: acquired.head,
      positions: acquired.positions,
    };
  };
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
    const commit = commitOf(batch, '60');
    expect(await unit.loadAndCommit(batch, commit)).toEqual({
      loaded: true,
      rows: 60,
      fenced: false,
    });
    expect(await ledgered(batch.batchId)).toBe(1);
    // a retry (say the COMMIT's acknowledgement was lost) finds the ledger row and writes nothing
    expect(await unit.loadAndCommit(batch, commit)).toEqual({
      loaded: false,
      rows: 0,
      fenced: false,
    });
    const state = await restored();
    expect(state.events).toBe(60);
    expect(state.positions).toEqual([{ topic: 'impressions', partition: 0, offset: '60' }]);
  });

  it('rolls the load back when the state commit fails', async () => {
    const before = await restored();
    const [batch] = sampleBatches('uow-fail', 1, 40, 9) as [WarehouseBatch];
    // an offset that is not an int64 makes the state commit fail after the load succeeded
    await expect(unit.loadAndCommit(batch, commitOf(batch, 'not-an-offset'))).rejects.toThrow();
    expect(await ledgered(batch.batchId)).toBe(0);
    expect(await restored()).toEqual(before);
    expect((await unit.loadAndCommit(batch, commitOf(batch, '100'))).loaded).toBe(true);
  });

  it('keeps nothing of a batch committed under an epoch another member has replaced', async () => {
    const before = await restored();
    const stale = epoch;
    await store.acquire(0, 'another-member');
    const [batch] = sampleBatches('uow-fenced', 1, 25, 13) as [WarehouseBatch];
    expect(await unit.loadAndCommit(batch, commitOf(batch, '200', stale))).toEqual({
      loaded: false,
      rows: 0,
      fenced: true,
    });
    expect(await ledgered(batch.batchId)).toBe(0);
    const facts = await harness.knex.raw<{ rows: { n: unknown }[] }>(
      'SELECT count(*) AS n FROM fact_impression WHERE batch_id = ?',
      [batch.batchId],
    );
    expect(Number(facts.rows[0]?.n)).toBe(0);
    expect(await restored()).toEqual(before);
  });

  it('refuses a state commit of another batch', async () => {
    const [batch] = sampleBatches('uow-mix', 1, 1) as [WarehouseBatch];
    await expect(
      unit.loadAndCommit(batch, { ...commitOf(batch, '1'), batchId: 'other' }),
    ).rejects.toThrow(/committed as other/);
  });
});
