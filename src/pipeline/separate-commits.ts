import type {
  BatchCommitter,
  LoadResult,
  StateCommit,
  StateStore,
  Warehouse,
  WarehouseBatch,
} from '../../ports';

/**
 * Load, then commit state and offsets, in two steps: for adapters that cannot share a
 * transaction. A crash between the two replays the batch from the old state to the same outcome;
 * the ledger skips the load and the state commit happens then.
 */
export class SeparateCommits implements BatchCommitter {
  constructor(
    private readonly warehouse: Warehouse,
    private readonly stateStore: StateStore,
  ) {}

  async loadAndCommit(batch: WarehouseBatch, commit: StateCommit): Promise<LoadResult> {
    const load = await this.warehouse.loadBatch(batch);
    await this.stateStore.commit(commit);
    return load;
  }
}
