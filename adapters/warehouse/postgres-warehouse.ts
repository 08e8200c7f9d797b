import { migrateUp } from '../../migrations';
import { createPostgresKnex, type PostgresConnectionConfig } from '../postgres/postgres-knex';
import { SqlWarehouse, type SqlWarehouseOptions } from './sql-warehouse';

export interface PostgresWarehouseConfig
  extends PostgresConnectionConfig, Omit<SqlWarehouseOptions, 'ownsConnection'> {
  /** run pending migrations before returning (default false: `adx migrate up` is a deploy step) */
  readonly migrate?: boolean;
}

/** The warehouse on a PostgreSQL server, with its own connection pool (closed by close()). */
export async function openPostgresWarehouse(
  config: PostgresWarehouseConfig,
): Promise<SqlWarehouse> {
  const knex = createPostgresKnex(config);
  try {
    if (config.migrate) await migrateUp(knex);
  } catch (error) {
    await knex.destroy();
    throw error;
  }
  return new SqlWarehouse(knex, { ...config, ownsConnection: true });
}
