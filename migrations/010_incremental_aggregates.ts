import type { Knex } from 'knex';
import { RATES, TOTALS, up as createMaterializedViews } from './004_aggregates';
import { grantTables, revokeTables } from './access';
import { currentSchema, installRefreshFunction } from './008_least_privilege';

/**
 * The campaign aggregates become incremental. A materialized view can only be rebuilt whole, so
 * every refresh read every fact row: about 1.9 s of Postgres for 4M impressions on this machine,
 * every ADX_REFRESH_INTERVAL, growing with the warehouse for ever (and inside the embedded
 * service's one process with PGlite). Now:
 * - `campaign_hourly_totals` and `campaign_daily_totals` hold the totals per campaign and hour /
 *   UTC day;
 * - every load that adds facts inserts its batch id into `aggregate_pending`, in the load's
 *   transaction;
 * - a refresh calls `adx_apply_aggregate_deltas()`, which deletes the pending ids it sees and adds
 *   those batches' facts (found by the facts' batch_id index) to the totals, in one transaction:
 *   each batch is added exactly once, and a load that commits during the refresh is left pending
 *   for the next one. Its cost is the new facts', not the warehouse's.
 * Sound because a fact row is written once, by one batch, and never updated or deleted (loads are
 * INSERT … ON CONFLICT DO NOTHING; the loader may not delete facts).
 *
 * `mv_campaign_hourly` and `mv_campaign_daily` keep their names and columns, as plain views over
 * the totals, so reports, the dashboard and analysts' grants read them as before. The function is
 * SECURITY DEFINER, owned by the migrating role: the loader may add pending batches and call it,
 * but not write the totals itself. Migrate with the service stopped (as every migration here):
 * the totals are seeded from the facts present when this runs.
 */
const HOURLY = 'campaign_hourly_totals';
const DAILY = 'campaign_daily_totals';
const PENDING = 'aggregate_pending';
const VIEWS = ['mv_campaign_hourly', 'mv_campaign_daily'];
const APPLY = 'adx_apply_aggregate_deltas()';

/** Each fact table's part of the totals, per campaign, hour and day, over the facts `filter` keeps. */
function factContributions(filter: string): string {
  const zero = '0::bigint';
  const part = (table: string, columns: string[]) =>
    `SELECT campaign_id, (event_time_ms / 3600000) * 3600000 AS hour_start_ms, date_key,
            ${columns.join(', ')}
     FROM ${table} ${filter} GROUP BY 1, 2, 3`;
  return [
    part('fact_impression', [
      'count(*) AS impressions',
      `${zero} AS clicks`,
      `${zero} AS conversions`,
      'coalesce(sum(cost_micros), 0) AS spend_micros',
      `${zero} AS revenue_micros`,
      `${zero} AS bid_requests`,
      `${zero} AS bids_won`,
    ]),
    part('fact_click', [zero, 'count(*)', zero, zero, zero, zero, zero]),
    part('fact_conversion', [
      zero,
      zero,
      'count(*)',
      zero,
      'coalesce(sum(revenue_micros), 0)',
      zero,
      zero,
    ]),
    part('fact_bid_request', [
      zero,
      zero,
      zero,
      zero,
      zero,
      'count(*)',
      'sum(CASE WHEN won THEN 1 ELSE 0 END)',
    ]),
  ].join('\n  UNION ALL\n  ');
}

/** Adds the contributions to one grain's totals; rows in key order, so two callers never deadlock. */
function addTo(table: string, grain: string): string {
  return `INSERT INTO ${table} AS t (campaign_id, ${grain}, ${TOTALS.join(', ')})
    SELECT campaign_id, ${grain}, ${TOTALS.map((c) => `sum(${c})::bigint`).join(', ')}
    FROM contributions GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (campaign_id, ${grain}) DO UPDATE SET
      ${TOTALS.map((c) => `${c} = t.${c} + EXCLUDED.${c}`).join(', ')}`;
}

/** Both grains from one pass over the facts `filter` keeps. */
const addFacts = (filter: string): string => `
  WITH contributions AS (${factContributions(filter)}),
       hourly AS (${addTo(HOURLY, 'hour_start_ms')})
  ${addTo(DAILY, 'date_key')}`;

/** The body names the schema itself: a SECURITY DEFINER function must not trust search_path. */
const applyFunction = (schema: string): string => `
CREATE OR REPLACE FUNCTION ${APPLY} RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $body$
DECLARE
  batches text[];
BEGIN
  WITH consumed AS (DELETE FROM ${PENDING} RETURNING batch_id)
  SELECT array_agg(batch_id) INTO batches FROM consumed;
  IF batches IS NULL THEN
    RETURN 0;
  END IF;
  ${addFacts('WHERE batch_id = ANY(batches)')};
  RETURN cardinality(batches);
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
  await knex.schema.createTable(PENDING, (t) => {
    t.text('batch_id').primary();
  });
  // what the views held is recomputed from every fact present now
  await knex.raw(addFacts(''));

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
  await grantTables(knex, 'adx_loader', ['SELECT', 'INSERT'], [PENDING]);
  // the views, as before; the totals carry no identifiers, so analysts may read them directly too
  await grantTables(knex, 'adx_analyst', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
  await grantTables(knex, 'adx_loader', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
}

/** Back to 009: the materialized views, rebuilt from the facts, and the loader's refresh function. */
export async function down(knex: Knex): Promise<void> {
  await revokeTables(knex, 'adx_loader', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
  await revokeTables(knex, 'adx_analyst', ['SELECT'], [...VIEWS, HOURLY, DAILY]);
  await revokeTables(knex, 'adx_loader', ['SELECT', 'INSERT'], [PENDING]);
  await knex.raw(`DROP FUNCTION IF EXISTS ${APPLY}`);
  for (const view of VIEWS) await knex.raw(`DROP VIEW IF EXISTS ${view}`);
  await knex.schema.dropTableIfExists(PENDING);
  await knex.schema.dropTableIfExists(DAILY);
  await knex.schema.dropTableIfExists(HOURLY);
  await createMaterializedViews(knex);
  await installRefreshFunction(knex);
  await grantTables(knex, 'adx_loader', ['SELECT'], VIEWS);
}
