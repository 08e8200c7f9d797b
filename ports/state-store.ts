import type { ClockData, DomainEvent, PartitionSnapshotChunk } from '../domain';
import type { TopicPartitionOffset } from './event-source';

/**
 * Decider state and consumer positions, kept per co-partitioned group (partition number) so that
 * any number of instances can share one store: each group has its own changelog of domain events,
 * its own snapshot (in chunks), its own positions and an ownership epoch that fences every commit.
 */

/** One committed unit of work's state changes, in the group's changelog. */
export interface ChangelogEntry {
  readonly sequence: number;
  readonly batchId: string;
  readonly events: readonly DomainEvent[];
  /** the group's clock after these events (where a rebuild starts once older rows are trimmed) */
  readonly clock: ClockData;
}

/** What a new owner needs to restore a group, read under its new epoch. */
export interface AcquiredPartition {
  readonly partition: number;
  /** the ownership epoch taken: every commit of this owner is conditional on it */
  readonly epoch: number;
  readonly snapshot?: {
    readonly sequence: number;
    readonly chunks: readonly PartitionSnapshotChunk[];
  };
  /** changelog entries after the snapshot, in sequence order */
  readonly changes: readonly ChangelogEntry[];
  /** the latest sequence committed (0 when the group has none) */
  readonly head: number;
  /** next offset of each of the group's topic-partitions that has one */
  readonly positions: readonly TopicPartitionOffset[];
  /**
   * true: the head is the `knownHead` the caller gave, so the state it holds is current; snapshot
   * and changes were not read
   */
  readonly unchanged?: boolean;
}

/** The whole retained log of a group, for `adx rebuild`. */
export interface PartitionLog {
  /** the clock before the first retained entry (undefined: nothing was ever trimmed) */
  readonly startClock?: ClockData;
  readonly entries: readonly ChangelogEntry[];
}

/**
 * A group's snapshot and its whole retained log, read at one point in time and without taking the
 * group over (no new epoch, nothing a running owner would notice): for `adx rebuild`. The entries
 * after the snapshot are the changes an owner replays on it.
 */
export interface StoredPartition {
  readonly partition: number;
  readonly snapshot?: {
    readonly sequence: number;
    readonly chunks: readonly PartitionSnapshotChunk[];
  };
  readonly log: PartitionLog;
}

export interface PartitionCommit {
  readonly partition: number;
  readonly epoch: number;
  readonly batchId: string;
  /**
   * the changelog entry to append (sequence = head + 1), or none when the unit changed no state
   * (rejections and duplicates only)
   */
  readonly entry?: ChangelogEntry;
  /** next offsets to read, committed atomically with the entry */
  readonly positions: readonly TopicPartitionOffset[];
  /** the group's state after this commit, replacing its previous snapshot */
  readonly snapshot?: {
    readonly sequence: number;
    readonly chunks: Iterable<PartitionSnapshotChunk>;
    /** entries whose events are all older than this are dropped with it (they change nothing) */
    readonly trimBefore: number;
  };
}

export interface CommitResult {
  /** false: another member took the group over (a newer epoch); nothing of the commit was kept */
  readonly committed: boolean;
}

export interface StateStore {
  /** records that a batch is about to cause side effects (the exactly-once protocol's step 1) */
  beginBatch(batchId: string): Promise<void>;
  /**
   * Takes a group over: a new ownership epoch (a commit under an older one fails from now on,
   * and one in flight finishes first), then the group's snapshot, changelog and positions.
   */
  acquire(partition: number, owner: string, knownHead?: number): Promise<AcquiredPartition>;
  /** conditional on the epoch being the group's latest */
  commit(commit: PartitionCommit): Promise<CommitResult>;
  readLog(partition: number): Promise<PartitionLog>;
  /** read-only: never changes the group's epoch, so it never fences its owner */
  readState(partition: number): Promise<StoredPartition>;
  /** groups that have anything stored */
  partitions(): Promise<number[]>;
  close(): Promise<void>;
}
