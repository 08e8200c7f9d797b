import type { Knex } from 'knex';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { migrateDown, migrateUp, migrationStatus } from '../../migrations';
import { ConfigError, type AppConfig } from '../config/config';
import { databaseSettingsProblem } from '../config/connection-problems';

export type MigrateAction = 'up' | 'down' | 'status';

/**
 * `adx migrate up|down|status` on the configured SQL warehouse: Postgres at DATABASE_URL, or the
 * PGlite database in ADX_PGLITE_DIR. `down` undoes the last migration, `--all` every one.
 */
export async function migrate(
  config: AppConfig,
  action: MigrateAction,
  all = false,
): Promise<string> {
  const { kind, databaseUrl, pgliteDir } = config.warehouse;
  let knex: Knex;
  if (kind === 'pglite' && pgliteDir) knex = await openPgliteKnex({ dataDir: pgliteDir });
  else if (databaseUrl) knex = createPostgresKnex({ connectionString: databaseUrl });
  else
    throw new ConfigError(
      'invalid configuration:\n  DATABASE_URL (Postgres) or ADX_PGLITE_DIR with ADX_WAREHOUSE=pglite: required by adx migrate',
    );
  try {
    if (action === 'up') return describe('applied', await migrateUp(knex));
    if (action === 'down') return describe('reverted', await migrateDown(knex, { all }));
    const status = await migrationStatus(knex);
    return [
      ...status.applied.map((m) => `applied  ${m}`),
      ...status.pending.map((m) => `pending  ${m}`),
    ].join('\n');
  } catch (error) {
    throw databaseSettingsProblem(error) ?? error;
  } finally {
    await knex.destroy();
  }
}

function describe(verb: string, names: readonly string[]): string {
  return names.length === 0
    ? `nothing ${verb === 'applied' ? 'to apply' : 'to revert'}`
    : names.map((n) => `${verb} ${n}`).join('\n');
}
