/**
 * A group's snapshots follow its changelog, not the count of its units: a snapshot is taken once
 * the changes since the last one reach `logRatio` per entry that one held (and `everyUnits` units
 * have passed). So a group whose state only grows takes snapshots ever less often, the entries
 * its snapshots rewrite stay within a multiple of the changes, and an owner taking the group over
 * replays about logRatio times the snapshot's entries at most.
 */
import { MemoryStateStore } from '../../adapters/memory/memory-state-store';
import { pipelineRules, processBatch, restoreFromSnapshot, snapshotEntries } from '../../domain';
import type { Logger } from '../../ports';
import { OwnedPartitions } from '../../src/pipeline/owned-partitions';
import { snapshotDue, type SnapshotCadence } from '../../src/pipeline/snapshot-cadence';
import { impression, NOW, T0, TOPIC_NAMES } from '../support/domain-fixtures';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const INPUTS = [TOPIC_NAMES.impression];
const PER_UNIT = 20;

interface Run {
  readonly store: MemoryStateStore;
  readonly owned: OwnedPartitions;
  /** per snapshot: the entries it held, and the changes committed since the one before */
  readonly snapshots: { entries: number; changesBefore: number }[];
  readonly changes: number;
  /** the most changes one unit wrote */
  readonly unitChanges: number;
}

/** `units` units of new impressions on group 0: the state only grows (nothing expires yet) */
async function run(cadence: SnapshotCadence, units: number): Promise<Run> {
  const store = new MemoryStateStore();
  const rules = pipelineRules();
  const owned = new OwnedPartitions(store, rules, INPUTS, 'member-1', cadence, quiet);
  await owned.acquire(0);
  const snapshots: Run['snapshots'] = [];
  let [changes, since, unitChanges] = [0, 0, 0];
  for (let u = 0; u < units; u++) {
    const records = Array.from({ length: PER_UNIT }, (_, i) =>
      impression({
        id: `imp-${u}-${i}`,
        time: T0 + (u * PER_UNIT + i) * 1000,
        user: `user-${i}`,
        partition: 0,
        offset: String(u * PER_UNIT + i),
      }),
    );
    const outcome = processBatch(owned.state, records, NOW);
    const commit = owned.commitFor(0, `unit-${u}`, outcome, []);
    const result = await store.commit(commit);
    owned.committed(commit, !result.committed);
    const written = commit.entry?.events.length ?? 0;
    [changes, since, unitChanges] = [
      changes + written,
      since + written,
      Math.max(unitChanges, written),
    ];
    if (commit.snapshot) {
      snapshots.push({ entries: snapshotEntries(groupOf(owned)), changesBefore: since });
      since = 0;
    }
  }
  return { store, owned, snapshots, changes, unitChanges };
}

function groupOf(owned: OwnedPartitions) {
  const group = owned.state.partitions.get(0);
  if (!group) throw new Error('group 0 is not held');
  return group;
}

const rewritten = (r: Run): number => r.snapshots.reduce((n, s) => n + s.entries, 0);

describe('snapshot cadence', () => {
  it('is due only when both the units and the changes since the last snapshot are enough', () => {
    const cadence = { everyUnits: 3, logRatio: 1 };
    expect(snapshotDue(cadence, { units: 2, changes: 100, snapshotEntries: 10 })).toBe(false);
    expect(snapshotDue(cadence, { units: 3, changes: 9, snapshotEntries: 10 })).toBe(false);
    expect(snapshotDue(cadence, { units: 3, changes: 10, snapshotEntries: 10 })).toBe(true);
    expect(snapshotDue(cadence, { units: 3, changes: 0, snapshotEntries: 0 })).toBe(true);
  });

  it('with logRatio 0 takes one every everyUnits units, as a fixed cadence does', async () => {
    const { snapshots } = await run({ everyUnits: 5, logRatio: 0 }, 40);
    expect(snapshots).toHaveLength(8);
  });

  it('on a growing state takes them ever less often, rewriting entries in proportion to the changes', async () => {
    const fixed = await run({ everyUnits: 5, logRatio: 0 }, 200);
    const cadenced = await run({ everyUnits: 5, logRatio: 1 }, 200);
    const [first, ...later] = cadenced.snapshots;
    expect(first).toBeDefined();
    expect(later.length).toBeGreaterThan(1);
    // each later snapshot waited for as many changes as the one before it held entries
    for (const [k, s] of later.entries())
      expect(s.changesBefore).toBeGreaterThanOrEqual(cadenced.snapshots[k]?.entries as number);
    // so the entries rewritten are bounded by the changes (an impression adds a key and a touch:
    // at most 2 entries a change), where a fixed cadence rewrites the whole state every 5 units
    const bound = (1 / 1 + 2) * cadenced.changes + (first?.entries ?? 0);
    expect(rewritten(cadenced)).toBeLessThanOrEqual(bound);
    expect(rewritten(fixed)).toBeGreaterThan(bound);
  });

  it('a new owner replays at most about logRatio times the snapshot, and restores the same state', async () => {
    const cadence = { everyUnits: 5, logRatio: 0.5 };
    const { store, owned, unitChanges } = await run(cadence, 120);
    const stored = await store.readState(0);
    const snapshot = restoreFromSnapshot(
      0,
      INPUTS,
      stored.snapshot,
      { entries: [] },
      pipelineRules(),
    );
    const replayed = stored.log.entries
      .filter((e) => e.sequence > (stored.snapshot?.sequence ?? 0))
      .reduce((n, e) => n + e.events.length, 0);
    expect(replayed).toBeGreaterThan(0);
    expect(replayed).toBeLessThan(
      Math.max(0.5 * snapshotEntries(snapshot), cadence.everyUnits * unitChanges) + unitChanges,
    );
    const next = new OwnedPartitions(store, pipelineRules(), INPUTS, 'member-2', cadence, quiet);
    await next.acquire(0);
    expect(snapshotEntries(groupOf(next))).toBe(snapshotEntries(groupOf(owned)));
    expect(next.state.partitions.get(0)?.dedupe.size).toBe(120 * PER_UNIT);
  });
});
