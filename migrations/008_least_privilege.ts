import type { Knex } from 'knex';
import { grantTables, revokeTables } from './access';

/**
 * Least privilege for the service's own login (README "Access control"):
 * - The aggregates belong to the owner that migrates. 004 used to give them to adx_loader so it
 *   could REFRESH them (PostgreSQL 15 lets only the owner refresh), but an owner may also DROP and
 *   ALTER; where that happened they are taken back here (a no-op where 004 no longer does it). The
 *   loader refreshes through adx_refresh_materialized_view(name): SECURITY DEFINER, owned by the
 *   migrating role, refreshes only a materialized view of this schema, search_path pinned.
 * - Every role may read knex's migration tables: the service and `adx report` check at start that
 *   no migration is pending, and knex sees a table only when the user has a privilege on it.
 * - PUBLIC may not create objects in the schema (already so on PostgreSQL 15+; not on older ones).
 */
const VIEWS = ['mv_campaign_hourly', 'mv_campaign_daily'];
const KNEX_TABLES = ['knex_migrations', 'knex_migrations_lock'];
const ROLES = ['adx_loader', 'adx_analyst', 'adx_auditor'] as const;

/** The function's body names the schema itself: a SECURITY DEFINER function must not trust search_path. */
const refreshFunction = (schema: string, literal: string): string => `
CREATE OR REPLACE FUNCTION adx_refresh_materialized_view(view_name text) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = ${schema}, pg_temp AS $body$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = ${literal} AND matviewname = view_name) THEN
    RAISE EXCEPTION 'not a materialized view of this warehouse: %', view_name
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', ${literal}, view_name);
END
$body$`;

/** The current schema, as an identifier and as a literal, for SECURITY DEFINER function bodies. */
export async function currentSchema(knex: Knex): Promise<{ schema: string; literal: string }> {
  const { rows } = (await knex.raw(
    'SELECT quote_ident(current_schema()) AS schema, quote_literal(current_schema()) AS literal',
  )) as { rows: { schema: string; literal: string }[] };
  return rows[0] as { schema: string; literal: string };
}

/** The loader's way to refresh the materialized views (010 replaces them, and restores this on down). */
export async function installRefreshFunction(knex: Knex): Promise<void> {
  const { schema, literal } = await currentSchema(knex);
  await knex.raw(refreshFunction(schema, literal));
  await knex.raw('REVOKE ALL ON FUNCTION adx_refresh_materialized_view(text) FROM PUBLIC');
  await knex.raw('GRANT EXECUTE ON FUNCTION adx_refresh_materialized_view(text) TO adx_loader');
}

export async function up(knex: Knex): Promise<void> {
  for (const view of VIEWS) await knex.raw(`ALTER MATERIALIZED VIEW ${view} OWNER TO CURRENT_USER`);
  const { schema } = await currentSchema(knex);
  await installRefreshFunction(knex);
  // the service prints the campaign report when it stops, as the owner of the views could
  await grantTables(knex, 'adx_loader', ['SELECT'], VIEWS);
  for (const role of ROLES) await grantTables(knex, role, ['SELECT'], KNEX_TABLES);
  await knex.raw(`REVOKE CREATE ON SCHEMA ${schema} FROM PUBLIC`);
}

/** The views keep their owner: handing them to adx_loader again is what this migration undid. */
export async function down(knex: Knex): Promise<void> {
  await revokeTables(knex, 'adx_loader', ['SELECT'], VIEWS);
  for (const role of ROLES) await revokeTables(knex, role, ['SELECT'], KNEX_TABLES);
  await knex.raw('DROP FUNCTION IF EXISTS adx_refresh_materialized_view(text)');
}
