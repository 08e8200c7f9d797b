import type { Knex } from 'knex';
import { perFactTotals, RATES, TOTALS, up as createMaterializedViews } from './004_aggregates';
import { grantTables, revokeTables } from './access';
import { currentSchema, installRefreshFunction } from './008_least_privilege';

/**
 * The campaign aggregates become incremental. A materialized view can only be rebuilt whole, so
 * every refresh read every fact row: about 1.9 s of Postgres for 4M impressions on this machine,
 * every ADX_REFRESH_INTERVAL, growing with the warehouse for ever (and inside the embedded
 * service's one process with PGlite). Now:
 * - `campaign_hourly_totals` and `campaign_daily_totals` hold the totals per campaign and hour /
 *   UTC day;
 * - every load adds, in its own transaction, what the fact rows it inserted contribute, per
 *   campaign, hour and day, to `aggregate_delta` (taken from the INSERT's RETURNING, so a fact
 *   skipped as already present contributes nothing);
 * - a refresh calls `adx_apply_aggregate_deltas()`, which deletes the delta rows it sees and adds
 *   them to the totals in one statement: each is added exactly once, and a load that commits
 *   during the refresh is left for the next one. Its cost is a few rows per batch loaded since the
 *   last refresh, not the warehouse's size.
 * Sound because a fact row is written once, by one batch, and never updated or deleted (loads are
 * INSERT … ON CONFLICT DO NOTHING; the loader may not delete facts).
 *
 * `mv_campaign_hourly` and `mv_campaign_daily` keep their names and columns, as plain views over
 * the totals, so reports, the dashboard and analysts' grants read them as before. The function is
 * SECURITY DEFINER, owned by the migrating role: the loader may add deltas (as it adds facts) and
 * call it, but not write the totals. Migrate with the service stopped (as every migration here):
 * the totals are seeded from the facts present when this runs.
 */
const HOURLY = 'campaign_hourly_totals';
const DAILY = 'campaign_daily_totals';
const DELTA = 'aggregate_delta';
const VIEWS = ['mv_campaign_hourly', 'mv_campaign_daily'];
const APPLY = 'adx_apply_aggregate_deltas()';

/** Adds `source`'s rows to one grain's totals; in key order, so two callers never deadlock. */
function addTo(table: string, grain: string, source: string): string {
  return `INSERT INTO ${table} AS t (campaign_id, ${grain}, ${TOTALS.join(', ')})
    SELECT campaign_id, ${grain}, ${TOTALS.map((c) => `sum(${c})::bigint`).join(', ')}
    FROM ${source} GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (campaign_id, ${grain}) DO UPDATE SET
      ${TOTALS.map((c) => `${c} = t.${c} + EXCLUDED.${c}`).join(', ')}`;
}

/** One grain's totals from every fact present (004's per-fact sums): the seed. */
const seed = (table: string, grain: string, bucket: string): string => `
  WITH per_fact AS (SELECT campaign_id, bucket AS ${grain}, ${TOTALS.join(', ')}
                    FROM (${perFactTotals(bucket)}) f)
  ${addTo(table, grain, 'per_fact')}`;

/** The body names the schema itself: a SECURITY DEFINER function must not trust search_path. */
const applyFunction = (schema: string): string => `
CREATE OR REPLACE FUNCTION ${APPLY} RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $body$
DECLARE
  added bigint;
BEGIN
  WITH consumed AS (DELETE FROM ${DELTA} RETURNING campaign_id, hour_start_ms, date_key,
                                                   ${TOTALS.join(', ')}),
       hourly AS (${addTo(HOURLY, 'hour_start_ms', 'consumed')}),
       daily AS (${addTo(DAILY, 'date_key', 'consumed')})
  SELECT count(*) INTO added FROM consumed;
  RETURN added;
END
$body$`;

const totalsColumns = (t: Knex.CreateTableBuilder) => {
  for (const total of TOTALS) t.bigInteger(total).notNullable();
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(HOURLY, (t) => {
    t.text('campaign_id').notNullable();
    t.bigInteger('hour_start_ms').notNullable();
    totalsColumns(t);
    t.primary(['campaign_id', 'hour_start_ms'], { constraintName: `${HOURLY}_pkey` });
    t.index(['hour_start_ms'], `${HOURLY}_time_idx`);
  });
  await knex.schema.createTable(DAILY, (t) => {
    t.text('campaign_id').notNullable();
    t.integer('date_key').notNullable();
    totalsColumns(t);
    t.primary(['campaign_id', 'date_key'], { constraintName: `${DAILY}_pkey` });
    t.index(['date_key'], `${DAILY}_time_idx`);
  });
  // append-only: loads insert, the refresh deletes what it added; no index, it is read whole
  await knex.schema.createTable(DELTA, (t) => {
    t.text('batch_id').notNullable();
    t.text('campaign_id').notNullable();
    t.bigInteger('hour_start_ms').notNullable();
    t.integer('date_key').notNullable();
    totalsColumns(t);
  });
  // what the views held is recomputed from every fact present now
  await knex.raw(seed(HOURLY, 'hour_start_ms', '(event_time_ms / 3600000) * 3600000'));
  await knex.raw(seed(DAILY, 'date_key', 'date_key'));

  await knex.raw('DROP FUNCTION IF EXISTS adx_refresh_materialized_view(text)');
  for (const view of VIEWS) await knex.raw(`DROP MATERIALIZED VIEW IF EXISTS ${view}`);
  await knex.raw(`
CREATE VIEW mv_campaign_hourly AS
SELECT campaign_id, to_timestamp(hour_start_ms / 1000) AS hour_start, hour_start_ms,
       ${TOTALS.join(', ')}, ${RATES}
FROM ${HOURLY}`);
  await knex.raw(`
CREATE VIEW mv_campaign_daily AS
SELECT campaign_id, date_key, to_date(date_key::text, 'YYYYMMDD') AS calendar_date,
       ${TOTALS.join(', ')}, ${RATES}
FROM ${DAILY}`);

  const { schema } = await currentSchema(knex);
  await knex.raw(applyFunction(schema));
  await knex.raw(`REVOKE ALL ON FUNCTION ${APPLY} FROM PUBLIC`);
  await knex.raw(`GRANT EXECUTE ON FUNCTION ${APPLY} TO adx_loader`);
  await grantTables(knex, 'adx_loader', ['SELECT', 'INSERT'], [DELTA]);
  // the views, as before; the totals carry no identifiers, so analysts may read them directly too
  await grantTables(knex, 'adx_analyst', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
  await grantTables(knex, 'adx_loader', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
}

/** Back to 009: the materialized views, rebuilt from the facts, and the loader's refresh function. */
export async function down(knex: Knex): Promise<void> {
  await revokeTables(knex, 'adx_loader', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
  await revokeTables(knex, 'adx_analyst', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
  await revokeTables(knex, 'adx_loader', ['SELECT', 'INSERT'], [DELTA]);
  await knex.raw(`DROP FUNCTION IF EXISTS ${APPLY}`);
  for (const view of VIEWS) await knex.raw(`DROP VIEW IF EXISTS ${view}`);
  await knex.schema.dropTableIfExists(DELTA);
  await knex.schema.dropTableIfExists(DAILY);
  await knex.schema.dropTableIfExists(HOURLY);
  await createMaterializedViews(knex);
  await installRefreshFunction(knex);
  await grantTables(knex, 'adx_loader', ['SELECT'], VIEWS);
}
