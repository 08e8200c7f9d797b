import { migrateUp } from '../../migrations';
import { openPgliteKnex, type PgliteOptions } from './pglite-knex';
import { SqlWarehouse, type SqlWarehouseOptions } from './sql-warehouse';

export interface PgliteWarehouseConfig
  extends PgliteOptions, Omit<SqlWarehouseOptions, 'ownsConnection'> {
  /** run pending migrations on open (default true: embedded, so nobody else will) */
  readonly migrate?: boolean;
}

/**
 * The embedded warehouse: Postgres compiled to WASM, in this process, on disk under `dataDir` or
 * in memory. Same schema and load path as the server (COPY included). PGlite has one connection,
 * so loads, refreshes and queries run one after another.
 */
export async function openPgliteWarehouse(
  config: PgliteWarehouseConfig = {},
): Promise<SqlWarehouse> {
  const knex = await openPgliteKnex(config);
  try {
    if (config.migrate ?? true) await migrateUp(knex);
  } catch (error) {
    await knex.destroy();
    throw error;
  }
  return new SqlWarehouse(knex, { ...config, ownsConnection: true });
}
