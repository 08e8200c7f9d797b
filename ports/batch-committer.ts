import type { BatchLineageRecord } from './lineage-log';
import type { PartitionCommit } from './state-store';
import type { LoadResult, WarehouseBatch } from './warehouse';

/**
 * The last effect of a batch: its rows into the warehouse, and its decider state and next
 * offsets into the state store. One transaction where both live in one database (Postgres,
 * PGlite); otherwise two, safe because a replayed batch reaches the same outcome and the load
 * ledger skips it.
 */
export interface BatchCommitter {
  /**
   * true: `lineage` passed to loadAndCommit is written in the load's transaction (only when the
   * batch is loaded); otherwise the caller appends lineage through the LineageLog port.
   */
  readonly recordsLineage?: boolean;
  loadAndCommit(
    batch: WarehouseBatch,
    commit: PartitionCommit,
    lineage?: BatchLineageRecord,
  ): Promise<CommittedLoad>;
}

export interface CommittedLoad extends LoadResult {
  /**
   * true: the group has a newer owner. Where load and state share a transaction nothing of the
   * batch was kept; the caller must stop working on the group.
   */
  readonly fenced: boolean;
}
