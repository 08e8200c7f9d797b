import type { StateCommit } from './state-store';
import type { LoadResult, WarehouseBatch } from './warehouse';

/**
 * The last effect of a batch: its rows into the warehouse, and its decider state and next
 * offsets into the state store. One transaction where both live in one database (Postgres,
 * PGlite); otherwise two, safe because a replayed batch reaches the same outcome and the load
 * ledger skips it.
 */
export interface BatchCommitter {
  loadAndCommit(batch: WarehouseBatch, commit: StateCommit): Promise<LoadResult>;
}
