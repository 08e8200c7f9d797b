/**
 * Roles and grants: what adx_loader, adx_analyst and adx_auditor can and cannot do, checked by
 * acting as each role (SET LOCAL ROLE inside a transaction) on PostgreSQL and PGlite.
 */
import type { Knex } from 'knex';
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import {
  ENGINES,
  openEngine,
  sampleBatches,
  type EngineHarness,
  asRole,
} from '../support/postgres';

type Role = 'adx_loader' | 'adx_analyst' | 'adx_auditor';

describe.each(ENGINES)('access control on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'access');
    const warehouse = new SqlWarehouse(harness.knex);
    for (const batch of sampleBatches('access', 2, 40)) await warehouse.loadBatch(batch);
    await warehouse.refreshAggregates();
  });
  afterAll(() => harness?.close());

  const as = (role: Role, sql: string): Promise<string> => asRole(harness.knex, role, sql);
  const denied = expect.stringMatching(/permission denied/);

  it('analysts read every fact column but the user id', async () => {
    for (const table of ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request']) {
      expect(await as('adx_analyst', `SELECT user_id FROM ${table}`)).toEqual(denied);
      expect(await as('adx_analyst', `SELECT * FROM ${table}`)).toEqual(denied);
      expect(
        await as(
          'adx_analyst',
          `SELECT event_id, event_time, campaign_id, publisher_id, source_offset FROM ${table}`,
        ),
      ).toBe('ok');
    }
    expect(await as('adx_analyst', 'SELECT cost_micros FROM fact_impression')).toBe('ok');
    expect(await as('adx_analyst', 'SELECT user_id FROM fact_attribution')).toEqual(denied);
    expect(await as('adx_analyst', 'SELECT model, touch_event_id FROM fact_attribution')).toBe(
      'ok',
    );
  });

  it('analysts read the aggregates and dimensions, not the ops tables, and write nothing', async () => {
    for (const view of [
      'mv_campaign_hourly',
      'mv_campaign_daily',
      'campaign_hourly_totals',
      'dim_date',
      'dim_campaign',
    ]) {
      expect(await as('adx_analyst', `SELECT * FROM ${view}`)).toBe('ok');
    }
    for (const table of [
      'load_ledger',
      'partition_changelog',
      'partition_snapshot_chunk',
      'consumer_offsets',
      'aggregate_delta',
    ]) {
      expect(await as('adx_analyst', `SELECT * FROM ${table}`)).toEqual(denied);
    }
    expect(await as('adx_analyst', "DELETE FROM fact_click WHERE event_id = 'x'")).toEqual(denied);
  });

  it('auditors read the ledger, intents, offsets and lineage columns, never user ids', async () => {
    for (const table of ['load_ledger', 'batch_intent', 'consumer_offsets']) {
      expect(await as('adx_auditor', `SELECT * FROM ${table}`)).toBe('ok');
    }
    expect(
      await as(
        'adx_auditor',
        'SELECT event_id, batch_id, source_topic, source_partition, source_offset FROM fact_click',
      ),
    ).toBe('ok');
    expect(await as('adx_auditor', 'SELECT user_id FROM fact_click')).toEqual(denied);
    expect(await as('adx_auditor', 'SELECT * FROM partition_changelog')).toEqual(denied);
    expect(await as('adx_auditor', "UPDATE load_ledger SET rows = 0 WHERE batch_id = 'x'")).toEqual(
      denied,
    );
  });

  it('analysts and auditors read when the views were refreshed; only the loader records it', async () => {
    for (const role of ['adx_analyst', 'adx_auditor'] as const) {
      expect(await as(role, 'SELECT refreshed_at, covers_loaded_at FROM aggregate_refresh')).toBe(
        'ok',
      );
      expect(await as(role, 'UPDATE aggregate_refresh SET covers_batches = 0')).toEqual(denied);
    }
    expect(await as('adx_loader', 'UPDATE aggregate_refresh SET covers_batches = 0')).toBe('ok');
    expect(await as('adx_loader', 'DELETE FROM aggregate_refresh')).toEqual(denied);
  });

  async function asLoader<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return harness.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL ROLE adx_loader');
      return work(trx);
    });
  }

  it('the loader loads batches, commits state and refreshes the views, owning nothing', async () => {
    const warehouse = new SqlWarehouse(harness.knex);
    const store = new PostgresStateStore(harness.knex);
    const [batch] = sampleBatches('loader', 1, 30, 11);
    expect((await asLoader((trx) => warehouse.loadBatchIn(trx, batch!))).loaded).toBe(true);
    const { epoch } = await store.acquire(0, 'access-test');
    await asLoader((trx) =>
      store.commitIn(trx, {
        partition: 0,
        epoch,
        batchId: batch!.batchId,
        positions: [{ topic: 'impressions', partition: 0, offset: '31' }],
        snapshot: {
          sequence: 0,
          chunks: [{ keys: [], touches: [], pending: [] }],
          trimBefore: 0,
        },
      }),
    );
    await asLoader((trx) => warehouse.refreshAggregates.call(new SqlWarehouse(trx)));
    expect(await as('adx_loader', 'DELETE FROM fact_click')).toEqual(denied);
    expect(await as('adx_loader', 'DROP TABLE fact_click')).toMatch(/must be owner/);
    // the aggregates: added to only through migration 010's function, never written directly
    for (const sql of [
      "UPDATE campaign_daily_totals SET impressions = 0 WHERE campaign_id = 'x'",
      'DELETE FROM campaign_hourly_totals',
      'DELETE FROM aggregate_delta',
    ])
      expect(await as('adx_loader', sql)).toEqual(denied);
    for (const sql of [
      'DROP VIEW mv_campaign_daily',
      'ALTER VIEW mv_campaign_daily RENAME TO x',
      'DROP TABLE campaign_hourly_totals',
    ])
      expect(await as('adx_loader', sql)).toMatch(/must be owner|permission denied/);
    expect(await as('adx_loader', 'SELECT adx_apply_aggregate_deltas()')).toBe('ok');
    expect(await as('adx_analyst', 'SELECT adx_apply_aggregate_deltas()')).toEqual(denied);
    expect(
      await as(
        'adx_analyst',
        "INSERT INTO aggregate_delta (batch_id, campaign_id, hour_start_ms, date_key, impressions, clicks, conversions, spend_micros, revenue_micros, bid_requests, bids_won) VALUES ('x', 'x', 0, 20261201, 1, 0, 0, 0, 0, 0, 0)",
      ),
    ).toEqual(denied);
  });
});
