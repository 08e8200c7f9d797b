import { appliedMigrations, migrateDown, migrateUp, pendingMigrations } from '../../migrations';
import type { AppConfig } from '../config/config';
import { openWarehouse, warehouseTarget } from './cli-warehouse';
import { databaseSettingsProblem } from '../config/connection-problems';

export type MigrateAction = 'up' | 'down' | 'status';

/**
 * `adx migrate up|down|status` on the configured SQL warehouse: Postgres at DATABASE_URL, or the
 * PGlite database in ADX_PGLITE_DIR. `down` undoes the last migration, `--all` every one. Only
 * `up` creates a PGlite database; `status` reads without writing anything.
 */
export async function migrate(
  config: AppConfig,
  action: MigrateAction,
  all = false,
  json = false,
): Promise<string> {
  const target = warehouseTarget(config, 'adx migrate');
  const knex = await openWarehouse(target, { create: action === 'up' });
  try {
    if (action === 'up') {
      const applied = await migrateUp(knex);
      return json ? JSON.stringify({ applied }) : describe('applied', applied);
    }
    if (action === 'down') {
      const reverted = await migrateDown(knex, { all });
      return json ? JSON.stringify({ reverted }) : describe('reverted', reverted);
    }
    const applied = (await appliedMigrations(knex)) ?? [];
    const pending = pendingMigrations(applied);
    if (json) return JSON.stringify({ applied, pending });
    return [...applied.map((m) => `applied  ${m}`), ...pending.map((m) => `pending  ${m}`)].join(
      '\n',
    );
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
