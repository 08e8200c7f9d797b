import type {
  BatchLineageRecord,
  CommittedLoad,
  PartitionCommit,
  WarehouseBatch,
} from '../../ports';
import type { PostgresLineageLog } from '../lineage/postgres-lineage-log';
import type { SqlWarehouse } from '../warehouse/sql-warehouse';
import { postgresPolicyOf } from './postgres-policy';
import { OwnershipLost, type PostgresStateStore } from './postgres-state-store';

/**
 * The warehouse load and the state commit of one batch in ONE transaction, for when the warehouse
 * and the state store are the same Postgres (server or PGlite). The ledger row then doubles as the
 * commit marker of both: a batch found in the ledger was committed whole — rows, decider state and
 * next offsets — so a retry writes nothing at all. See docs/exactly-once.md.
 */
export class PostgresUnitOfWork {
  constructor(
    private readonly warehouse: SqlWarehouse,
    private readonly stateStore: PostgresStateStore,
    /** when given, a batch's lineage (steps and stopped records) commits in its load transaction */
    private readonly lineage?: PostgresLineageLog,
  ) {
    // one transaction needs one connection pool: two pools to the same database would still be
    // two transactions
    if (warehouse.knex !== stateStore.knex) {
      throw new Error('PostgresUnitOfWork: the warehouse and the state store must share one knex');
    }
    if (lineage && lineage.knex !== warehouse.knex) {
      throw new Error('PostgresUnitOfWork: the lineage log must share the warehouse knex');
    }
  }

  get recordsLineage(): boolean {
    return this.lineage !== undefined;
  }

  /**
   * The group's lease first (it locks the row, so a new owner's takeover waits for this commit),
   * then the load, the state and the lineage. Fenced: everything is rolled back.
   *
   * The whole transaction is one attempt of the server's policy (postgres-policy.ts). An attempt
   * that failed may still have committed (the COMMIT landed, its answer did not): the retry then
   * takes the lease under the same epoch, finds the batch's ledger row and writes nothing, and a
   * newer owner's epoch fences it. So a retry never loads, commits or records a batch twice.
   */
  async loadAndCommit(
    batch: WarehouseBatch,
    commit: PartitionCommit,
    lineage: BatchLineageRecord = { steps: [], stopped: [] },
  ): Promise<CommittedLoad> {
    if (batch.batchId !== commit.batchId) {
      throw new Error(`batch ${batch.batchId} committed as ${commit.batchId}`);
    }
    try {
      return await postgresPolicyOf(this.warehouse.knex).execute(() =>
        this.warehouse.knex.transaction(async (trx) => {
          await this.stateStore.claimIn(trx, commit.partition, commit.epoch);
          const load = await this.warehouse.loadBatchIn(trx, batch);
          if (load.loaded) {
            await this.stateStore.commitIn(trx, commit, { claimed: true });
            if (this.lineage) await this.lineage.appendIn(trx, lineage);
          }
          return { ...load, fenced: false };
        }),
      );
    } catch (error) {
      if (error instanceof OwnershipLost) return { loaded: false, rows: 0, fenced: true };
      throw error;
    }
  }
}
