import type {
  BatchCommitter,
  CommittedLoad,
  PartitionCommit,
  StateStore,
  Warehouse,
  WarehouseBatch,
} from '../../ports';

/**
 * Load, then commit state and offsets, in two steps: for adapters that cannot share a
 * transaction. A crash between the two replays the batch from the old state to the same outcome;
 * the ledger skips the load and the state commit happens then. Fencing here comes after the load:
 * a member that lost its group can still have loaded the batch (the facts' unique keys keep it
 * from counting twice), so shared state across members wants the one-transaction committer.
 */
export class SeparateCommits implements BatchCommitter {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly stateStore: StateStore,
  ) {}

  async loadAndCommit(batch: WarehouseBatch, commit: PartitionCommit): Promise<CommittedLoad> {
    const load = await this.warehouse.loadBatch(batch);
    const { committed } = await this.stateStore.commit(commit);
    return { ...load, fenced: !committed };
  }
}
