/** The warehouse adapters: Postgres server, PGlite (embedded) and Redshift, one schema. */
export { openPostgresWarehouse, type PostgresWarehouseConfig } from './postgres-warehouse';
export { openPgliteWarehouse, type PgliteWarehouseConfig } from './pglite-warehouse';
export { openPgliteKnex, type PgliteOptions } from './pglite-knex';
export { SqlWarehouse, type SqlWarehouseOptions } from './sql-warehouse';
export type { LoadStep, LoadStepHook } from './load-batch';
export type { MetricsSource } from './campaign-metrics-sql';
export { RedshiftWarehouse, type RedshiftWarehouseConfig } from './redshift/redshift-warehouse';
export { redshiftSchemaStatements } from './redshift/redshift-ddl';
