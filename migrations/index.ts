import type { Knex } from 'knex';
import * as roles from './001_roles';
import * as starSchema from './002_star_schema';
import * as opsTables from './003_ops_tables';
import * as aggregates from './004_aggregates';
import * as lineage from './005_lineage';
import * as stoppedRecords from './006_stopped_records';
import * as partitionState from './007_partition_state';
import * as leastPrivilege from './008_least_privilege';
import * as aggregateRefresh from './009_aggregate_refresh';
import * as incrementalAggregates from './010_incremental_aggregates';
import * as stateBodiesUncompressed from './011_state_bodies_uncompressed';

/**
 * The warehouse migrations, listed here instead of discovered on disk: the same list works from
 * ts-jest (.ts files) and from the compiled dist/ (.js files), with no globbing or extension rules.
 * Append new migrations at the end; never rename or reorder applied ones (knex records names).
 */
interface NamedMigration {
  readonly name: string;
  readonly migration: Knex.Migration;
}

export const MIGRATIONS: readonly NamedMigration[] = [
  { name: '001_roles', migration: roles },
  { name: '002_star_schema', migration: starSchema },
  { name: '003_ops_tables', migration: opsTables },
  { name: '004_aggregates', migration: aggregates },
  { name: '005_lineage', migration: lineage },
  { name: '006_stopped_records', migration: stoppedRecords },
  { name: '007_partition_state', migration: partitionState },
  { name: '008_least_privilege', migration: leastPrivilege },
  { name: '009_aggregate_refresh', migration: aggregateRefresh },
  { name: '010_incremental_aggregates', migration: incrementalAggregates },
  { name: '011_state_bodies_uncompressed', migration: stateBodiesUncompressed },
];

export const migrationSource: Knex.MigrationSource<NamedMigration> = {
  getMigrations: async () => [...MIGRATIONS],
  getMigrationName: (m) => m.name,
  getMigration: async (m) => m.migration,
};

/** knex's bookkeeping tables live in the migrated schema (search_path), next to the warehouse. */
const CONFIG: Knex.MigratorConfig = {
  migrationSource,
  tableName: 'knex_migrations',
};

/** `adx migrate up`: applies every pending migration, in one transaction. Returns their names. */
export async function migrateUp(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(CONFIG)) as [number, string[]];
  return applied;
}

export interface MigrateDownOptions {
  /** true: undo every applied migration; false (default): undo only the last one */
  readonly all?: boolean;
}

/**
 * `adx migrate down`: undoes the last applied migration (or all of them). Facts are dropped with
 * their tables, so this is for development and tests; roles stay (they are cluster-wide).
 */
export async function migrateDown(knex: Knex, options: MigrateDownOptions = {}): Promise<string[]> {
  if (options.all) {
    const [, undone] = (await knex.migrate.rollback(CONFIG, true)) as [number, string[]];
    return undone;
  }
  const [, undone] = (await knex.migrate.down(CONFIG)) as [number, string[]];
  return undone;
}

export interface MigrationStatus {
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

export async function migrationStatus(knex: Knex): Promise<MigrationStatus> {
  const [completed, pending] = (await knex.migrate.list(CONFIG)) as [
    { name: string }[],
    NamedMigration[],
  ];
  return { applied: completed.map((c) => c.name), pending: pending.map((p) => p.name) };
}

/**
 * The migrations applied, read without writing anything: undefined when the database was never
 * migrated (knex's own list() would create its bookkeeping table). For read-only commands.
 */
export async function appliedMigrations(knex: Knex): Promise<string[] | undefined> {
  const table = (await knex
    .select(knex.raw(`to_regclass('${CONFIG.tableName}')::text AS name`))
    .first()) as { name: string | null } | undefined;
  if (!table?.name) return undefined;
  const rows = (await knex(CONFIG.tableName as string)
    .select('name')
    .orderBy('id')) as { name: string }[];
  return rows.map((r) => r.name);
}

/** Migrations of this code not applied to a database that has `applied`. */
export function pendingMigrations(applied: readonly string[]): string[] {
  return MIGRATIONS.map((m) => m.name).filter((name) => !applied.includes(name));
}
