import type { Knex } from 'knex';
import { MemoryStateStore } from '../../adapters/memory/memory-state-store';
import { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { PostgresStateStore } from '../../adapters/postgres/postgres-state-store';
import { PostgresUnitOfWork } from '../../adapters/postgres/postgres-unit-of-work';
import { PostgresLineageLog } from '../../adapters/lineage/postgres-lineage-log';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import type { LoadStep } from '../../adapters/warehouse/load-batch';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import type { BatchCommitter, LineageLog, StateStore, Warehouse } from '../../ports';
import { migrateUp, migrationStatus } from '../../migrations';
import type { AppConfig } from '../config/config';
import { ConfigError } from '../config/config-error';
import { databaseSettingsProblem } from '../config/connection-problems';
import type { CrashCheck } from '../pipeline/crash-points';
import { SeparateCommits } from '../pipeline/separate-commits';

/** Where batches land: the warehouse, the decider state, and how both are committed. */
export interface Storage {
  readonly warehouse: Warehouse;
  readonly stateStore: StateStore;
  readonly committer: BatchCommitter;
  /** lineage in the warehouse database (written in the load's transaction), when there is one */
  readonly lineage?: LineageLog;
  /** the SQL connection, when there is one (migrations, audit queries) */
  readonly knex?: Knex;
  close(): Promise<void>;
}

/**
 * One database holds the warehouse and the state (Postgres server or embedded PGlite), so a
 * batch's rows, state and offsets commit in one transaction. Postgres migrations are a deploy
 * step (`adx migrate up`): a server with pending ones is refused rather than changed at start.
 * PGlite is the service's own database, so it is migrated on open.
 */
export async function openStorage(config: AppConfig, crashCheck?: CrashCheck): Promise<Storage> {
  const { kind, databaseUrl, pgliteDir } = config.warehouse;
  if (kind === 'memory') {
    const warehouse = new MemoryWarehouse();
    const stateStore = new MemoryStateStore();
    return {
      warehouse,
      stateStore,
      committer: new SeparateCommits(warehouse, stateStore),
      close: async () => {},
    };
  }
  const knex =
    kind === 'pglite'
      ? await openPgliteKnex(pgliteDir ? { dataDir: pgliteDir } : {})
      : createPostgresKnex({
          connectionString: databaseUrl ?? '',
          // a load transaction per batch in flight, and room for the refresh and readers
          poolMax: config.concurrentPartitions + 3,
        });
  try {
    if (kind === 'pglite') await migrateUp(knex);
    else {
      const { pending } = await migrationStatus(knex);
      if (pending.length > 0)
        throw new ConfigError(
          `DATABASE_URL: the warehouse has pending migrations (${pending.join(', ')}): run \`adx migrate up\``,
        );
    }
  } catch (error) {
    await knex.destroy();
    throw databaseSettingsProblem(error) ?? error;
  }
  const warehouse = new SqlWarehouse(knex, {
    ownsConnection: true,
    ...(crashCheck
      ? {
          onLoadStep: (step: LoadStep) => {
            if (step === 'facts') void crashCheck('during_load');
          },
        }
      : {}),
  });
  const stateStore = new PostgresStateStore(knex);
  const lineage = new PostgresLineageLog(knex);
  return {
    warehouse,
    stateStore,
    committer: new PostgresUnitOfWork(warehouse, stateStore, lineage),
    lineage,
    knex,
    close: () => warehouse.close(),
  };
}
