import type {
  BatchCommitter,
  BatchLineageRecord,
  CommittedLoad,
  Metrics,
  PartitionCommit,
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
    commit: PartitionCommit,
    lineage?: BatchLineageRecord,
  ): Promise<CommittedLoad> {
    try {
      return await this.committer.loadAndCommit(batch, commit, lineage);
    } catch (error) {
      this.metrics.error('warehouse_load');
      throw error;
    }
  }
}
