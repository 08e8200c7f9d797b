import knexFactory, { type Knex } from 'knex';
import { knexLog } from './knex-log';

export interface PostgresConnectionConfig {
  /** postgresql://user@host:port/database */
  readonly connectionString: string;
  /** schema the tables live in (search_path); default: the server's default (public) */
  readonly schema?: string;
  /** connections in the pool; loads, refreshes and readers each take one */
  readonly poolMax?: number;
  /** shown in pg_stat_activity, so an operator can tell the service's sessions apart */
  readonly applicationName?: string;
  /** where knex's own warnings go (default: stderr, see knex-log.ts) */
  readonly log?: Knex.Logger;
}

/** A knex instance on the `pg` driver, shared by the warehouse and the state store. */
export function createPostgresKnex(config: PostgresConnectionConfig): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      connectionString: config.connectionString,
      application_name: config.applicationName ?? 'advertisex',
    },
    ...(config.schema !== undefined ? { searchPath: [config.schema] } : {}),
    pool: { min: 0, max: config.poolMax ?? 5 },
    log: config.log ?? knexLog(),
  });
}
