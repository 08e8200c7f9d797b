import knexFactory, { type Knex } from 'knex';
import { knexLog } from './knex-log';
import { guardPostgres, POSTGRES_TIMEOUTS, type PostgresTimeouts } from './postgres-policy';

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
  /** bounds of one attempt, kept server-side (default POSTGRES_TIMEOUTS; see postgres-policy.ts) */
  readonly timeouts?: Partial<PostgresTimeouts>;
}

/**
 * A knex instance on the `pg` driver, shared by the warehouse and the state store, and the
 * resilience policy its adapters run their calls under (postgresPolicyOf).
 */
export function createPostgresKnex(config: PostgresConnectionConfig): Knex {
  const t = { ...POSTGRES_TIMEOUTS, ...config.timeouts };
  // pg takes lock_timeout and idle_in_transaction_session_timeout too; knex's type lists fewer
  const connection = {
    connectionString: config.connectionString,
    application_name: config.applicationName ?? 'advertisex',
    // sent as start-up parameters: every session of the pool has them, no extra round trip
    statement_timeout: t.statementMs,
    lock_timeout: t.lockMs,
    idle_in_transaction_session_timeout: t.idleInTransactionMs,
    connectionTimeoutMillis: t.connectMs,
    // a peer that vanished without a FIN is noticed by the OS, not after hours
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
  const knex = knexFactory({
    client: 'pg',
    connection,
    ...(config.schema !== undefined ? { searchPath: [config.schema] } : {}),
    pool: { min: 0, max: config.poolMax ?? 5 },
    acquireConnectionTimeout: t.acquireMs,
    log: config.log ?? knexLog(),
  });
  guardPostgres(knex);
  return knex;
}
