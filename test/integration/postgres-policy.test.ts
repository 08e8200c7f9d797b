/**
 * The Postgres policy on a real server (issue 12, item 7): each session carries the server-side
 * bounds of an attempt, a statement past statement_timeout is ended by the server and retried,
 * and a load-and-commit whose COMMIT landed but whose answer was lost is retried without loading,
 * committing or recording anything twice (the ledger claim and the epoch make the retry safe).
 */
import type { Knex } from 'knex';
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { PostgresUnitOfWork } from '../../adapters/postgres/postgres-unit-of-work';
import {
  guardPostgres,
  POSTGRES_POLICY,
  postgresPolicyOf,
} from '../../adapters/postgres/postgres-policy';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import { asStateChange, type DomainEvent } from '../../domain';
import type { PartitionCommit, WarehouseBatch } from '../../ports';
import { openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

let harness: EngineHarness;
beforeAll(async () => {
  harness = await openEngine('postgres', 'pgpolicy');
  // quick pauses: what is tested is what is retried and what lands, not how long it waits
  guardPostgres(harness.knex, { ...POSTGRES_POLICY, backoff: { delaysMs: [1, 1] } });
});
afterAll(() => harness?.close());

const count = async (knex: Knex, sql: string, binding: string): Promise<number> =>
  Number((await knex.raw<{ rows: { n: unknown }[] }>(sql, [binding])).rows[0]?.n);

it('every session starts with statement_timeout, lock_timeout and the idle-in-transaction bound', async () => {
  const shown = await harness.knex.raw<{ rows: Record<string, string>[] }>(
    "SELECT current_setting('statement_timeout') AS statement, " +
      "current_setting('lock_timeout') AS lock, " +
      "current_setting('idle_in_transaction_session_timeout') AS idle",
  );
  expect(shown.rows[0]).toEqual({ statement: '30s', lock: '10s', idle: '1min' });
});

it('a statement the server ends (statement_timeout) is retried by the policy', async () => {
  let attempts = 0;
  const answer = await postgresPolicyOf(harness.knex).execute(() =>
    harness.knex.transaction(async (trx) => {
      attempts++;
      // the first attempt's statement outlives a (shortened) statement_timeout
      await trx.raw(`SET LOCAL statement_timeout = '${attempts === 1 ? 50 : 0}'`);
      await trx.raw('SELECT pg_sleep(?)', [attempts === 1 ? 5 : 0]);
      return 'answered';
    }),
  );
  expect(answer).toBe('answered');
  expect(attempts).toBe(2);
});

it('a commit whose answer was lost is retried, and nothing is written twice', async () => {
  // the first transaction commits, then its connection "drops" before the answer arrives
  let transactions = 0;
  const losing = new Proxy(harness.knex, {
    get(target, property, receiver) {
      if (property !== 'transaction') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<Knex['transaction']>) => {
        transactions++;
        const run = target.transaction(...args) as Promise<unknown>;
        if (transactions > 1) return run;
        return run.then(() => {
          throw new Error('Connection terminated unexpectedly');
        });
      };
    },
  });
  guardPostgres(losing, { ...POSTGRES_POLICY, backoff: { delaysMs: [1, 1] } });
  const store = new PostgresStateStore(losing);
  const unit = new PostgresUnitOfWork(new SqlWarehouse(losing), store);
  const { epoch, head } = await new PostgresStateStore(harness.knex).acquire(0, 'pgpolicy-test');
  const [batch] = sampleBatches('lost-answer', 1, 30, 5) as [WarehouseBatch];
  const commit: PartitionCommit = {
    partition: 0,
    epoch,
    batchId: batch.batchId,
    entry: {
      sequence: head + 1,
      batchId: batch.batchId,
      events: batch.events.map((event): DomainEvent =>
        asStateChange({ type: 'EventAccepted', event }),
      ),
      clock: { inputs: [], watermark: 0 },
    },
    positions: [{ topic: 'impressions', partition: 0, offset: '30' }],
  };

  expect(await unit.loadAndCommit(batch, commit)).toEqual({
    loaded: false,
    rows: 0,
    fenced: false,
  });
  expect(transactions).toBe(2);
  const once = (table: string) =>
    count(harness.knex, `SELECT count(*) AS n FROM ${table} WHERE batch_id = ?`, batch.batchId);
  expect(await once('load_ledger')).toBe(1);
  expect(await once('partition_changelog')).toBe(1);
  const facts = await Promise.all(
    ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request'].map(once),
  );
  expect(facts.reduce((a, b) => a + b, 0)).toBe(batch.events.length);
  const offsets = await harness.knex.raw<{ rows: { next_offset: string }[] }>(
    "SELECT next_offset::text AS next_offset FROM consumer_offsets WHERE topic = 'impressions' AND partition = 0",
  );
  expect(offsets.rows).toEqual([{ next_offset: '30' }]);
});
