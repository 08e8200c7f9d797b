/**
 * Batches committed into a state store the way the service commits them (see
 * src/pipeline/owned-partitions.ts): per group, its state-changing events as the next changelog
 * entry, and now and then a snapshot that trims the entries behind the state horizon.
 */
import {
  asStateChange,
  changesState,
  clockData,
  initialPipelineState,
  partitionOf,
  processBatch,
  snapshotChunks,
  stateHorizon,
  type IdleInput,
  type PipelineRules,
  type PipelineState,
  type SourceRecord,
} from '../../../domain';
import { MemoryStateStore } from '../../../adapters/memory/memory-state-store';
import type { StateStore } from '../../../ports';
import {
  bidRequest,
  click,
  conversion,
  impression,
  MINUTE_MS,
  NOW,
  T0,
} from '../../support/domain-fixtures';

export interface Unit {
  readonly records: readonly SourceRecord[];
  readonly idle?: readonly IdleInput[];
  /** groups that take a snapshot after this unit */
  readonly snapshot: (partition: number) => boolean;
  /** keys, touches and waiting items per snapshot chunk */
  readonly chunkEntries?: number;
}

export interface Committed<S extends StateStore> {
  readonly store: S;
  /** the decider state as the service holds it after the last unit */
  readonly state: PipelineState;
  /** entries dropped by snapshots, over all groups */
  readonly trimmed: number;
  readonly snapshots: number;
}

export async function commitUnits<S extends StateStore = MemoryStateStore>(
  rules: PipelineRules,
  units: readonly Unit[],
  options: { endOfInput?: boolean; store?: S } = {},
): Promise<Committed<S>> {
  const store = options.store ?? (new MemoryStateStore() as StateStore as S);
  let state = initialPipelineState(rules);
  const owned = new Map<number, { epoch: number; head: number }>();
  let [committedEntries, snapshots] = [0, 0];
  for (const [i, unit] of units.entries()) {
    const last = i === units.length - 1;
    const outcome = processBatch(state, unit.records, NOW, {
      endOfInput: last && (options.endOfInput ?? false),
      ...(unit.idle ? { idleInputs: unit.idle } : {}),
    });
    state = outcome.state;
    for (const [partition, group] of state.partitions) {
      let ownership = owned.get(partition);
      if (!ownership) {
        ownership = { epoch: (await store.acquire(partition, 'test')).epoch, head: 0 };
        owned.set(partition, ownership);
      }
      const events = outcome.events
        .filter((e) => changesState(e) && partitionOf(e) === partition)
        .map(asStateChange);
      const sequence = events.length > 0 ? ownership.head + 1 : ownership.head;
      const batchId = `unit-${i}-${partition}`;
      const snapshot = unit.snapshot(partition);
      const { committed } = await store.commit({
        partition,
        epoch: ownership.epoch,
        batchId,
        ...(events.length > 0
          ? { entry: { sequence, batchId, events, clock: clockData(group.clock) } }
          : {}),
        positions: [],
        ...(snapshot
          ? {
              snapshot: {
                sequence,
                chunks: [...snapshotChunks(group, unit.chunkEntries)],
                trimBefore: stateHorizon(group, rules),
              },
            }
          : {}),
      });
      if (!committed) throw new Error(`unit ${i}: group ${partition} was fenced`);
      ownership.head = sequence;
      if (events.length > 0) committedEntries++;
      if (snapshot) snapshots++;
    }
  }
  let retained = 0;
  for (const partition of await store.partitions())
    retained += (await store.readLog(partition)).entries.length;
  return { store, state, trimmed: committedEntries - retained, snapshots };
}

/** An hour of one user's traffic on group 0: an impression, a click on it, a bid, a conversion. */
function hourOf(h: number): SourceRecord[] {
  const at = T0 + h * 60 * MINUTE_MS;
  const offset = (n: number) => String(4 * h + n);
  return [
    impression({ id: `imp-${h}`, time: at, offset: offset(0) }),
    click({
      id: `clk-${h}`,
      time: at + 5 * MINUTE_MS,
      impressionId: `imp-${h}`,
      offset: offset(1),
    }),
    bidRequest({ id: `bid-${h}`, time: at + 6 * MINUTE_MS, offset: offset(2) }),
    conversion({ id: `conv-${h}`, time: at + 50 * MINUTE_MS, offset: offset(3) }),
  ];
}

/** `hours` of traffic, one unit of work an hour, a snapshot (and trim) after every third. */
export function hourlyUnits(hours: number): Unit[] {
  return Array.from({ length: hours }, (_, h) => ({
    records: hourOf(h),
    snapshot: () => h % 3 === 2,
  }));
}
