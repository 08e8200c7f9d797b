import type { ClockData, PartitionSnapshotChunk } from '../../domain';
import type {
  AcquiredPartition,
  ChangelogEntry,
  CommitResult,
  PartitionCommit,
  PartitionLog,
  StateStore,
  StoredPartition,
  TopicPartitionOffset,
} from '../../ports';

interface Group {
  epoch: number;
  changelog: ChangelogEntry[];
  snapshot?: { sequence: number; chunks: PartitionSnapshotChunk[] };
  startClock?: ClockData;
  readonly positions: Map<string, TopicPartitionOffset>;
}

const maxEventTime = (entry: ChangelogEntry): number =>
  Math.max(
    Number.NEGATIVE_INFINITY,
    ...entry.events.map((e) =>
      e.type === 'EventAccepted'
        ? e.event.eventTime
        : e.type === 'ClickAttributed' || e.type === 'ConversionAttributed'
          ? e.attribution.eventTime
          : Number.NEGATIVE_INFINITY,
    ),
  );

/**
 * The state store in memory, per group, with the Postgres store's rules (one conformance suite):
 * epochs fence commits, a snapshot replaces the group's previous one and trims the changelog rows
 * wholly behind the horizon. Entries are kept as the objects committed (structuredClone, so a
 * caller mutating its state afterwards cannot change what was stored).
 */
export class MemoryStateStore implements StateStore {
  private readonly groups = new Map<number, Group>();
  /**
   * Batches begun and not committed: an intent is done with once its batch commits (a list of
   * every intent and every commit, kept before, grew by two ids a batch for the life of the run)
   */
  readonly uncommitted = new Set<string>();

  private group(partition: number): Group {
    let g = this.groups.get(partition);
    if (!g) this.groups.set(partition, (g = { epoch: 0, changelog: [], positions: new Map() }));
    return g;
  }

  async beginBatch(batchId: string): Promise<void> {
    this.uncommitted.add(batchId);
  }

  async acquire(partition: number, _owner: string, knownHead?: number): Promise<AcquiredPartition> {
    const g = this.group(partition);
    g.epoch++;
    const after = g.snapshot?.sequence ?? 0;
    const last = g.changelog[g.changelog.length - 1];
    const head = Math.max(after, last?.sequence ?? 0);
    const positions = [...g.positions.values()].map((p) => ({ ...p }));
    if (knownHead === head)
      return { partition, epoch: g.epoch, changes: [], head, positions, unchanged: true };
    return structuredClone({
      partition,
      epoch: g.epoch,
      ...(g.snapshot ? { snapshot: g.snapshot } : {}),
      changes: g.changelog.filter((e) => e.sequence > after),
      head,
      positions,
    });
  }

  async commit(commit: PartitionCommit): Promise<CommitResult> {
    const g = this.group(commit.partition);
    if (g.epoch !== commit.epoch) return { committed: false };
    if (commit.entry) g.changelog.push(structuredClone(commit.entry));
    for (const p of commit.positions) g.positions.set(`${p.topic}:${p.partition}`, { ...p });
    if (commit.snapshot) {
      const { sequence, trimBefore } = commit.snapshot;
      g.snapshot = { sequence, chunks: structuredClone([...commit.snapshot.chunks]) };
      const firstKept = g.changelog.findIndex(
        (e) => e.sequence > sequence || maxEventTime(e) >= trimBefore,
      );
      const trimmed = firstKept === -1 ? g.changelog.length : firstKept;
      if (trimmed > 0) {
        g.startClock = structuredClone((g.changelog[trimmed - 1] as ChangelogEntry).clock);
        g.changelog = g.changelog.slice(trimmed);
      }
    }
    this.uncommitted.delete(commit.batchId);
    return { committed: true };
  }

  async readLog(partition: number): Promise<PartitionLog> {
    const g = this.group(partition);
    return structuredClone({
      ...(g.startClock ? { startClock: g.startClock } : {}),
      entries: g.changelog,
    });
  }

  async readState(partition: number): Promise<StoredPartition> {
    const g = this.groups.get(partition);
    return structuredClone({
      partition,
      ...(g?.snapshot ? { snapshot: g.snapshot } : {}),
      log: { ...(g?.startClock ? { startClock: g.startClock } : {}), entries: g?.changelog ?? [] },
    });
  }

  async partitions(): Promise<number[]> {
    return [...this.groups]
      .filter(([, g]) => g.changelog.length > 0 || g.snapshot)
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  async close(): Promise<void> {}
}
