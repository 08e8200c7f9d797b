import type {
  BatchCommitter,
  BatchLineageRecord,
  LoadResult,
  Metrics,
  StateCommit,
  WarehouseBatch,
} from '../../ports';

/** Any BatchCommitter, with its failures counted as `warehouse_load` errors. */
export class MeteredBatchCommitter implements BatchCommitter {
  constructor(
    private readonly committer: BatchCommitter,
    private readonly metrics: Metrics,
  ) {}

  get recordsLineage(): boolean {
    return this.committer.recordsLineage === true;
  }

  async loadAndCommit(
    batch: WarehouseBatch,
    commit: StateCommit,
    lineage?: BatchLineageRecord,
  ): Promise<LoadResult> {
    try {
      return await this.committer.loadAndCommit(batch, commit, lineage);
    } catch (error) {
      this.metrics.error('warehouse_load');
      throw error;
    }
  }
}
