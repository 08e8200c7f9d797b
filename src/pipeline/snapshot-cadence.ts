/**
 * When a group's commit also takes a snapshot. A snapshot costs as much as the group's state is
 * large (every key, touch and waiting click is written again), so taking one every N units of
 * work makes each record pay more the longer the group runs: a week of keys is rewritten every N
 * units. A snapshot is therefore due only once the changelog written since the last one holds at
 * least `logRatio` state changes per entry that snapshot held (and `everyUnits` units have
 * passed). Then the entries snapshots rewrite stay proportional to the changes, however large the
 * state grows (a growing group snapshots ever less often), and an owner taking the group over
 * replays at most about `logRatio` times as many changes as the snapshot it restores holds
 * entries: the bound log compaction keeps in Raft and in LSM stores, for the same reason.
 */
export interface SnapshotCadence {
  /** units of work on a group, at least, between its snapshots */
  readonly everyUnits: number;
  /** state changes in the changelog since the last snapshot, per entry it held, at least */
  readonly logRatio: number;
}

export interface SinceSnapshot {
  /** units of work committed since the group's last snapshot, this one included */
  readonly units: number;
  /** state changes those units wrote to the changelog, this one's included */
  readonly changes: number;
  /** entries (keys, touches, waiting clicks) the last snapshot held; 0 when there is none */
  readonly snapshotEntries: number;
}

export const snapshotDue = (cadence: SnapshotCadence, since: SinceSnapshot): boolean =>
  since.units >= cadence.everyUnits && since.changes >= cadence.logRatio * since.snapshotEntries;
