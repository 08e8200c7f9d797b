import type { DomainEvent } from '../domain';
import type { TopicPartitionOffset } from './event-source';

/** What a restart needs: the domain events since the last snapshot, the snapshot, and where to resume. */
export interface StoredState {
  readonly snapshot?: { readonly sequence: number; readonly data: string };
  readonly eventsAfterSnapshot: readonly DomainEvent[];
  readonly positions: readonly TopicPartitionOffset[];
}

export interface StateCommit {
  readonly batchId: string;
  readonly events: readonly DomainEvent[];
  /** next offsets to read, committed atomically with the events */
  readonly positions: readonly TopicPartitionOffset[];
  /** optional serialized snapshot of the state after these events */
  readonly snapshot?: string;
}

export interface StateStore {
  /** records that a batch is about to cause side effects (the exactly-once protocol's step 1) */
  beginBatch(batchId: string): Promise<void>;
  commit(commit: StateCommit): Promise<void>;
  load(): Promise<StoredState>;
  close(): Promise<void>;
}
