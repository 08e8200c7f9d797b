/** `adx migrate up|down` on PostgreSQL and PGlite, and the schema the loaders write into. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { EVENT_TYPES } from '../../domain';
import { FACT_TABLES, factColumns } from '../../adapters/warehouse/fact-tables';
import { openPgliteWarehouse } from '../../adapters/warehouse/pglite-warehouse';
import { ATTRIBUTION_STAGE_COLUMNS } from '../../adapters/warehouse/stage-rows';
import {
  MIGRATIONS,
  migrateDown,
  migrateUp,
  migrationSource,
  migrationStatus,
} from '../../migrations';
import { ENGINES, openEngine, sampleBatches, type EngineHarness } from '../support/postgres';

const ALL = MIGRATIONS.map((m) => m.name);
const TABLES = [
  'aggregate_delta',
  'aggregate_refresh',
  'batch_intent',
  'campaign_daily_totals',
  'campaign_hourly_totals',
  'consumer_offsets',
  'dim_campaign',
  'dim_date',
  'dim_publisher',
  'fact_attribution',
  'fact_bid_request',
  'fact_click',
  'fact_conversion',
  'fact_impression',
  'lineage_step',
  'lineage_stopped_record',
  'load_ledger',
  'partition_changelog',
  'partition_lease',
  'partition_log_start',
  'partition_snapshot',
  'partition_snapshot_chunk',
];

/** tables, plain views and materialized views of the migrated schema */
async function relations(
  knex: Knex,
): Promise<{ tables: string[]; views: string[]; materialized: string[] }> {
  const { rows } = await knex.raw<{ rows: { relname: string; relkind: string }[] }>(
    `SELECT relname, relkind FROM pg_class
     WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'v', 'm')
       AND relname NOT LIKE 'knex_migrations%' ORDER BY relname`,
  );
  return {
    tables: rows.filter((r) => r.relkind === 'r').map((r) => r.relname),
    views: rows.filter((r) => r.relkind === 'v').map((r) => r.relname),
    materialized: rows.filter((r) => r.relkind === 'm').map((r) => r.relname),
  };
}

async function viewOwners(knex: Knex): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: { owner: string }[] }>(
    'SELECT matviewowner AS owner FROM pg_matviews WHERE schemaname = current_schema() ORDER BY matviewname',
  );
  return rows.map((r) => r.owner);
}

/** SECURITY DEFINER functions of the schema by that name */
async function definerFunctions(knex: Knex, name: string): Promise<number> {
  const { rows } = await knex.raw<{ rows: { n: number }[] }>(
    'SELECT count(*)::int AS n FROM pg_proc WHERE proname = ? ' +
      'AND pronamespace = current_schema()::regnamespace AND prosecdef',
    [name],
  );
  return rows[0]?.n ?? 0;
}
const refreshFunctions = (knex: Knex) => definerFunctions(knex, 'adx_refresh_materialized_view');
const applyFunctions = (knex: Knex) => definerFunctions(knex, 'adx_apply_aggregate_deltas');
const CAMPAIGN_VIEWS = ['mv_campaign_daily', 'mv_campaign_hourly'];
/** 005's audit views, there from 005 on */
const AUDIT_VIEWS = ['audit_batch', 'audit_conservation', 'audit_dataset'];

/** how Postgres stores the state store's bodies: 'e' out of line as they are, 'x' compressed */
async function bodyStorage(knex: Knex): Promise<Record<string, string>> {
  const { rows } = await knex.raw<{ rows: { relname: string; attstorage: string }[] }>(
    `SELECT c.relname, a.attstorage FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.relnamespace = current_schema()::regnamespace AND a.attname = 'body'
       AND c.relname IN ('partition_changelog', 'partition_snapshot_chunk') ORDER BY c.relname`,
  );
  return Object.fromEntries(rows.map((r) => [r.relname, r.attstorage]));
}
const BODIES_AS_THEY_ARE = { partition_changelog: 'e', partition_snapshot_chunk: 'e' };

async function columnsOf(knex: Knex, table: string): Promise<string[]> {
  const { rows } = await knex.raw<{ rows: { column_name: string }[] }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ? ORDER BY column_name`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

describe.each(ENGINES)('migrations on %s', (engine) => {
  let harness: EngineHarness;
  beforeAll(async () => {
    harness = await openEngine(engine, 'migrations');
  });
  afterAll(() => harness?.close());

  it('up creates the star schema, ops tables and views; a second up does nothing', async () => {
    expect(await migrationStatus(harness.knex)).toEqual({ applied: ALL, pending: [] });
    expect(await relations(harness.knex)).toEqual({
      tables: TABLES,
      views: [...AUDIT_VIEWS, ...CAMPAIGN_VIEWS],
      materialized: [],
    });
    expect(await applyFunctions(harness.knex)).toBe(1);
    expect(await bodyStorage(harness.knex)).toEqual(BODIES_AS_THEY_ARE);
    expect(await migrateUp(harness.knex)).toEqual([]);
  });

  it('has exactly the columns the loader writes, plus batch_id and loaded_at', async () => {
    for (const type of EVENT_TYPES) {
      expect(await columnsOf(harness.knex, FACT_TABLES[type])).toEqual(
        [...factColumns(type), 'batch_id', 'loaded_at'].sort(),
      );
    }
    expect(await columnsOf(harness.knex, 'fact_attribution')).toEqual(
      [...ATTRIBUTION_STAGE_COLUMNS.map((c) => c.name), 'batch_id', 'loaded_at'].sort(),
    );
  });

  it('down undoes one migration at a time, or all of them, and up rebuilds everything', async () => {
    const { rows } = await harness.knex.raw<{ rows: { user: string }[] }>(
      'SELECT current_user AS user',
    );
    const migrator = rows[0]!.user;
    expect(await migrateDown(harness.knex)).toEqual(['011_state_bodies_uncompressed']);
    expect(await bodyStorage(harness.knex)).toEqual({
      partition_changelog: 'x',
      partition_snapshot_chunk: 'x',
    });
    expect(await migrateDown(harness.knex)).toEqual(['010_incremental_aggregates']);
    // 009's materialized views and the loader's refresh function are back
    expect(await relations(harness.knex)).toMatchObject({
      views: AUDIT_VIEWS,
      materialized: CAMPAIGN_VIEWS,
    });
    expect((await relations(harness.knex)).tables).not.toContain('campaign_hourly_totals');
    expect(await refreshFunctions(harness.knex)).toBe(1);
    expect(await applyFunctions(harness.knex)).toBe(0);
    expect(await migrateDown(harness.knex)).toEqual(['009_aggregate_refresh']);
    expect((await relations(harness.knex)).tables).not.toContain('aggregate_refresh');
    expect(await migrateDown(harness.knex)).toEqual(['008_least_privilege']);
    expect(await refreshFunctions(harness.knex)).toBe(0);
    expect(await viewOwners(harness.knex)).toEqual([migrator, migrator]);
    expect(await migrateDown(harness.knex)).toEqual(['007_partition_state']);
    // the single whole-state tables of 003 are back, the per-group ones gone
    expect((await relations(harness.knex)).tables).toContain('state_snapshot');
    expect((await relations(harness.knex)).tables).not.toContain('partition_changelog');
    expect(await migrateDown(harness.knex)).toEqual(['006_stopped_records']);
    expect((await relations(harness.knex)).tables).not.toContain('lineage_stopped_record');
    expect(await migrateDown(harness.knex)).toEqual(['005_lineage']);
    expect(await migrateDown(harness.knex)).toEqual(['004_aggregates']);
    expect((await relations(harness.knex)).materialized).toEqual([]);
    expect(await migrationStatus(harness.knex)).toEqual({
      applied: ALL.slice(0, 3),
      pending: [
        '004_aggregates',
        '005_lineage',
        '006_stopped_records',
        '007_partition_state',
        '008_least_privilege',
        '009_aggregate_refresh',
        '010_incremental_aggregates',
        '011_state_bodies_uncompressed',
      ],
    });
    expect(await migrateDown(harness.knex, { all: true })).toEqual(ALL.slice(0, 3).reverse());
    expect(await relations(harness.knex)).toEqual({ tables: [], views: [], materialized: [] });
    // roles are cluster-wide and stay: up again must find them and carry on
    expect(await migrateUp(harness.knex)).toEqual(ALL);
    expect((await relations(harness.knex)).tables).toEqual(TABLES);
    // the materialized views are gone again, and with them the function that refreshed them
    expect(await viewOwners(harness.knex)).toEqual([]);
    expect(await refreshFunctions(harness.knex)).toBe(0);
    expect(await applyFunctions(harness.knex)).toBe(1);
    expect(await bodyStorage(harness.knex)).toEqual(BODIES_AS_THEY_ARE);
  });

  it('007 takes the views back where an earlier 004 had given them to adx_loader', async () => {
    expect(await migrateDown(harness.knex)).toEqual(['011_state_bodies_uncompressed']);
    expect(await migrateDown(harness.knex)).toEqual(['010_incremental_aggregates']);
    expect(await migrateDown(harness.knex)).toEqual(['009_aggregate_refresh']);
    expect(await migrateDown(harness.knex)).toEqual(['008_least_privilege']);
    for (const mv of ['mv_campaign_hourly', 'mv_campaign_daily'])
      await harness.knex.raw(`ALTER MATERIALIZED VIEW ${mv} OWNER TO adx_loader`);
    const { rows } = await harness.knex.raw<{ rows: { user: string }[] }>(
      'SELECT current_user AS user',
    );
    // 008 alone, before 010 replaces the views it takes back
    await harness.knex.migrate.up({
      migrationSource,
      tableName: 'knex_migrations',
      name: '008_least_privilege',
    });
    expect(await viewOwners(harness.knex)).toEqual([rows[0]!.user, rows[0]!.user]);
    expect(await migrateUp(harness.knex)).toEqual([
      '009_aggregate_refresh',
      '010_incremental_aggregates',
      '011_state_bodies_uncompressed',
    ]);
  });
});

describe('PGlite on disk', () => {
  it('keeps loaded batches across a close and reopen of its data directory', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'adx-pglite-'));
    try {
      const [batch] = sampleBatches('disk', 1, 50);
      const first = await openPgliteWarehouse({ dataDir });
      expect((await first.loadBatch(batch!)).loaded).toBe(true);
      await first.refreshAggregates();
      const before = await first.campaignMetrics({});
      await first.close();

      const second = await openPgliteWarehouse({ dataDir });
      expect(await second.campaignMetrics({})).toEqual(before);
      expect(await second.loadBatch(batch!)).toEqual({ loaded: false, rows: 0 });
      await second.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
