/** Postgres beyond the warehouse: connections, the state store, and load + state in one transaction. */
export { createPostgresKnex, type PostgresConnectionConfig } from './postgres-knex';
export {
  PostgresStateStore,
  openPostgresStateStore,
  type PostgresStateStoreOptions,
} from './postgres-state-store';
export { PostgresUnitOfWork } from './postgres-unit-of-work';
