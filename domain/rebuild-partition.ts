import type { DomainEvent } from './domain-events';
import { partitionDifferences } from './partition-differences';
import {
  describePartition,
  partitionFromClock,
  restorePartition,
  settlePartition,
  type ClockData,
  type PartitionSnapshotChunk,
} from './partition-snapshot';
import { evolvePartition, newPartitionState, type PartitionState } from './partition-state';
import type { PipelineRules } from './rules';

/** A group's changelog as the state store keeps it (the port's PartitionLog has this shape). */
export interface RetainedChangelog {
  /** the clock before the first retained entry (absent: nothing was ever trimmed) */
  readonly startClock?: ClockData;
  readonly entries: readonly {
    readonly sequence: number;
    readonly events: readonly DomainEvent[];
  }[];
}

export interface StoredSnapshot {
  readonly sequence: number;
  readonly chunks: Iterable<PartitionSnapshotChunk>;
}

/** What the two ways of recreating a group have to agree on, and what they folded. */
export interface RebuildCheck {
  readonly partition: number;
  /** changelog entries the rebuild folded (all retained ones) */
  readonly entries: number;
  /** domain events in them */
  readonly events: number;
  /** the first entry retained (absent: none is) */
  readonly firstSequence?: number;
  /** older entries were trimmed: the rebuild starts from the clock kept before the first one */
  readonly trimmed: boolean;
  /** the snapshot the live state starts from (absent: none was taken yet) */
  readonly snapshotSequence?: number;
  /** the entries after it, which the live state replays on it */
  readonly changes: number;
  /** the latest sequence committed */
  readonly head: number;
  readonly equal: boolean;
  /** short lines, empty when equal: gaps in the log, then how the two states differ */
  readonly differences: readonly string[];
}

function fold(
  state: PartitionState,
  entries: RetainedChangelog['entries'],
  rules: PipelineRules,
): PartitionState {
  for (const entry of entries)
    for (const event of entry.events) evolvePartition(state, event, rules);
  return state;
}

/** The group as its owner restores it on assignment: the snapshot, then the entries after it. */
export function restoreFromSnapshot(
  partition: number,
  inputs: readonly string[],
  snapshot: StoredSnapshot | undefined,
  changelog: RetainedChangelog,
  rules: PipelineRules,
): PartitionState {
  const after = snapshot?.sequence ?? 0;
  return fold(
    snapshot
      ? restorePartition(partition, inputs, snapshot.chunks)
      : newPartitionState(partition, inputs),
    changelog.entries.filter((e) => e.sequence > after),
    rules,
  );
}

/**
 * The group from its changelog alone: the clock where the retained log starts, then every entry.
 * A snapshot's trim drops only entries whose events are all behind the state horizon, which
 * nothing kept depends on, so this equals the live state once both have forgotten what their
 * watermark allows (see settlePartition).
 */
export function rebuildPartition(
  partition: number,
  inputs: readonly string[],
  changelog: RetainedChangelog,
  rules: PipelineRules,
): PartitionState {
  return fold(
    partitionFromClock(partition, inputs, changelog.startClock),
    changelog.entries,
    rules,
  );
}

/**
 * Entries missing from the log, or out of order: sequences go up by one per committed entry, a log
 * never trimmed starts at 1, and nothing after the snapshot is ever trimmed.
 */
export function changelogGaps(changelog: RetainedChangelog, snapshotSequence?: number): string[] {
  const gaps: string[] = [];
  const missing = (from: number, to: number, why: string) =>
    gaps.push(
      `changelog ${from === to ? `entry ${from}` : `entries ${from}-${to}`} missing ${why}`,
    );
  const [first] = changelog.entries;
  if (first && !changelog.startClock && first.sequence > 1)
    missing(1, first.sequence - 1, '(the log was never trimmed)');
  changelog.entries.forEach((entry, i) => {
    const before = changelog.entries[i - 1];
    if (before && entry.sequence <= before.sequence)
      gaps.push(`changelog entry ${entry.sequence} out of order (after ${before.sequence})`);
    else if (before && entry.sequence > before.sequence + 1)
      missing(
        before.sequence + 1,
        entry.sequence - 1,
        `(between ${before.sequence} and ${entry.sequence})`,
      );
  });
  // entries before the snapshot may be trimmed, the first one after it never is
  const next = changelog.entries.find((e) => e.sequence > (snapshotSequence ?? Infinity));
  if (
    snapshotSequence !== undefined &&
    next === first &&
    next &&
    next.sequence > snapshotSequence + 1
  )
    missing(snapshotSequence + 1, next.sequence - 1, `(after the snapshot at ${snapshotSequence})`);
  return gaps;
}

/**
 * Rebuilds one group from its changelog and compares it with the live state (snapshot plus the
 * entries after it), both settled to their own watermark: expiry runs lazily, so unsettled states
 * with the same content can still differ in what they have not yet dropped.
 */
export function checkRebuild(
  partition: number,
  inputs: readonly string[],
  stored: { readonly snapshot?: StoredSnapshot; readonly log: RetainedChangelog },
  rules: PipelineRules,
): RebuildCheck {
  const { snapshot, log } = stored;
  const live = settlePartition(restoreFromSnapshot(partition, inputs, snapshot, log, rules), rules);
  const rebuilt = settlePartition(rebuildPartition(partition, inputs, log, rules), rules);
  const differences = [
    ...changelogGaps(log, snapshot?.sequence),
    ...partitionDifferences(describePartition(live), describePartition(rebuilt)),
  ];
  const last = log.entries[log.entries.length - 1];
  return {
    partition,
    entries: log.entries.length,
    events: log.entries.reduce((n, e) => n + e.events.length, 0),
    ...(log.entries[0] ? { firstSequence: log.entries[0].sequence } : {}),
    trimmed: log.startClock !== undefined,
    ...(snapshot ? { snapshotSequence: snapshot.sequence } : {}),
    changes: log.entries.filter((e) => e.sequence > (snapshot?.sequence ?? 0)).length,
    head: Math.max(snapshot?.sequence ?? 0, last?.sequence ?? 0),
    equal: differences.length === 0,
    differences,
  };
}
