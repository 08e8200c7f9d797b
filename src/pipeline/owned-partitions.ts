import {
  asStateChange,
  changesState,
  chunkEntries,
  clockData,
  initialPipelineState,
  restoreFromSnapshot,
  snapshotChunks,
  snapshotEntries,
  stateHorizon,
  type BatchOutcome,
  type PipelineRules,
  type PipelineState,
} from '../../domain';
import type { Logger, PartitionCommit, StateStore, TopicPartitionOffset } from '../../ports';
import { snapshotDue, type SnapshotCadence } from './snapshot-cadence';

interface Ownership {
  readonly epoch: number;
  /** latest changelog sequence committed */
  head: number;
  unitsSinceSnapshot: number;
  /** state changes written to the changelog since the last snapshot */
  changesSinceSnapshot: number;
  /** entries the last snapshot held (0: none yet) */
  snapshotEntries: number;
}

/**
 * The groups (partition numbers) this member owns, with their decider state. A group is
 * acquired — a new ownership epoch, then its snapshot and changelog folded — before its first
 * batch, and dropped when it is revoked or when a commit finds it fenced. Every commit carries the
 * epoch; the state store refuses it once another member has taken the group over.
 */
export class OwnedPartitions {
  readonly state: PipelineState;
  private readonly owned = new Map<number, Ownership>();

  constructor(
    private readonly store: StateStore,
    rules: PipelineRules,
    inputs: readonly string[],
    private readonly owner: string,
    private readonly snapshotCadence: SnapshotCadence,
    private readonly logger: Logger,
  ) {
    this.state = initialPipelineState(rules, inputs);
  }

  has(partition: number): boolean {
    return this.owned.has(partition);
  }

  partitions(): number[] {
    return [...this.owned.keys()];
  }

  /** Takes the group over and restores it; returns where its topic-partitions resume. */
  async acquire(partition: number): Promise<readonly TopicPartitionOffset[]> {
    const held = this.owned.get(partition);
    const acquired = await this.store.acquire(partition, this.owner, held?.head);
    if (held && acquired.unchanged) {
      // still this member's state: nobody committed in between; only the epoch is new
      this.owned.set(partition, { ...held, epoch: acquired.epoch });
      return acquired.positions;
    }
    const { rules, inputs } = this.state;
    // the same restore `adx rebuild` checks the changelog against
    const group = restoreFromSnapshot(
      partition,
      inputs,
      acquired.snapshot,
      { entries: acquired.changes },
      rules,
    );
    const replayed = acquired.changes.reduce((n, change) => n + change.events.length, 0);
    this.state.partitions.set(partition, group);
    this.owned.set(partition, {
      epoch: acquired.epoch,
      head: acquired.head,
      unitsSinceSnapshot: acquired.changes.length,
      changesSinceSnapshot: replayed,
      snapshotEntries: chunkEntries(acquired.snapshot?.chunks ?? []),
    });
    this.logger.info('partition acquired', {
      partition,
      epoch: acquired.epoch,
      snapshot: acquired.snapshot?.sequence ?? 0,
      replayedEvents: replayed,
      positions: acquired.positions.length,
    });
    return acquired.positions;
  }

  /** Lets go of a group (revoked, or fenced by a newer owner): its state leaves memory. */
  release(partition: number, why: 'revoked' | 'fenced', batchId?: string): void {
    const ownership = this.owned.get(partition);
    if (!ownership) return;
    this.owned.delete(partition);
    this.state.partitions.delete(partition);
    // a fenced batch is named: an operator (and the fencing test) can check it left no trace
    (why === 'fenced' ? this.logger.warn : this.logger.info).call(this.logger, `partition ${why}`, {
      partition,
      epoch: ownership.epoch,
      ...(batchId ? { batchId } : {}),
    });
  }

  /**
   * The state commit of a unit of work on one group: its state-changing events as the next
   * changelog entry, the positions, and (when the cadence says so) a snapshot of the group.
   */
  commitFor(
    partition: number,
    batchId: string,
    outcome: BatchOutcome,
    positions: readonly TopicPartitionOffset[],
  ): PartitionCommit {
    const ownership = this.owned.get(partition);
    const group = this.state.partitions.get(partition);
    if (!ownership || !group) throw new Error(`partition ${partition} is not owned here`);
    const events = outcome.events.filter(changesState).map(asStateChange);
    const sequence = events.length > 0 ? ownership.head + 1 : ownership.head;
    const takeSnapshot = snapshotDue(this.snapshotCadence, {
      units: ownership.unitsSinceSnapshot + 1,
      changes: ownership.changesSinceSnapshot + events.length,
      snapshotEntries: ownership.snapshotEntries,
    });
    return {
      partition,
      epoch: ownership.epoch,
      batchId,
      ...(events.length > 0
        ? { entry: { sequence, batchId, events, clock: clockData(group.clock) } }
        : {}),
      positions,
      ...(takeSnapshot
        ? {
            snapshot: {
              sequence,
              // generated chunk by chunk as the store writes them (a retry iterates again): units
              // of work on a group run one at a time, so it does not change before this commit ends
              chunks: { [Symbol.iterator]: () => snapshotChunks(group) },
              trimBefore: stateHorizon(group, this.state.rules),
            },
          }
        : {}),
    };
  }

  /** After the commit: the head moves on (or the group is dropped when it was fenced). */
  committed(commit: PartitionCommit, fenced: boolean): void {
    const ownership = this.owned.get(commit.partition);
    if (!ownership) return;
    if (fenced) {
      this.release(commit.partition, 'fenced', commit.batchId);
      return;
    }
    if (commit.entry) ownership.head = commit.entry.sequence;
    if (commit.snapshot) {
      // what it holds is the group as it is now: a group's units run one at a time
      const group = this.state.partitions.get(commit.partition);
      ownership.snapshotEntries = group ? snapshotEntries(group) : 0;
      ownership.unitsSinceSnapshot = 0;
      ownership.changesSinceSnapshot = 0;
    } else {
      ownership.unitsSinceSnapshot += 1;
      ownership.changesSinceSnapshot += commit.entry?.events.length ?? 0;
    }
  }
}
