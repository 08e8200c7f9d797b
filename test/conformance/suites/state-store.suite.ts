import {
  asStateChange,
  clockData,
  describePartition,
  evolvePartition,
  newPartitionState,
  pipelineRules,
  restorePartition,
  snapshotChunks,
  type DomainEvent,
  type PartitionState,
} from '../../../domain';
import type {
  ChangelogEntry,
  PartitionCommit,
  StateStore,
  TopicPartitionOffset,
} from '../../../ports';
import { adEvent, SLOW_MS, uniqueName } from '../support/conformance-kit';

/** The factory gives a store of its own (fresh schema or instance): every group starts empty. */
export interface StateStoreHarness {
  readonly store: StateStore;
  cleanup?: () => Promise<void>;
}

const T = Date.UTC(2026, 10, 26, 7);
const HOUR = 3_600_000;
const rules = pipelineRules();
const INPUTS = ['impressions', 'clicks', 'bid_requests'];

/** State-changing events of one unit of work, as the changelog keeps them. */
function unitEvents(run: string, partition: number, n: number, time = T + n): DomainEvent[] {
  const source = { topic: 'impressions', partition, offset: String(n), format: 'json' as const };
  return [
    { type: 'EventAccepted', event: adEvent('impression', `${run}-imp-${n}`, time, { source }) },
    {
      type: 'EventAccepted',
      event: adEvent('click', `${run}-clk-${n}`, time + 1, {
        impressionId: `${run}-imp-${n}`,
        source: { ...source, topic: 'clicks', format: 'csv' },
      }),
    },
    {
      type: 'ClickAttributed',
      attribution: {
        partition,
        eventType: 'click',
        eventId: `${run}-clk-${n}`,
        eventTime: time + 1,
        userId: 'b'.repeat(64),
        campaignId: `${run}-campaign`,
        model: 'explicit',
        touch: { eventType: 'impression', eventId: `${run}-imp-${n}`, eventTime: time },
        late: false,
      },
    },
    { type: 'InputIdle', partition, topic: 'bid_requests' },
  ].map((e) => asStateChange(e as DomainEvent));
}

/** A group folded from events, and the changelog entry of those events. */
function fold(state: PartitionState, events: readonly DomainEvent[]): PartitionState {
  for (const e of events) evolvePartition(state, e, rules);
  return state;
}

function entry(
  sequence: number,
  batchId: string,
  events: DomainEvent[],
  state: PartitionState,
): ChangelogEntry {
  return { sequence, batchId, events, clock: clockData(state.clock) };
}

/**
 * The StateStore contract: every group (partition number) has its own epoch, changelog, snapshot
 * and positions; a commit under a stale epoch keeps nothing; a snapshot replaces the group's
 * previous one and trims entries wholly behind the horizon, readLog says where the log starts, and
 * readState reads it all without taking the group over.
 */
export function stateStoreConformance(name: string, make: () => Promise<StateStoreHarness>): void {
  describe(`StateStore conformance: ${name}`, () => {
    let harness: StateStoreHarness;
    let store: StateStore;
    let run: string;

    beforeEach(async () => {
      harness = await make();
      store = harness.store;
      run = uniqueName('state');
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    const position = (topic: string, partition: number, offset: string): TopicPartitionOffset => ({
      topic,
      partition,
      offset,
    });
    const commit = (
      c: Omit<PartitionCommit, 'positions'> & Partial<Pick<PartitionCommit, 'positions'>>,
    ) => store.commit({ positions: [], ...c });

    it(
      'hands out a first epoch and nothing for a group never committed',
      async () => {
        const acquired = await store.acquire(3, 'member-a');
        expect(acquired).toMatchObject({
          partition: 3,
          epoch: 1,
          head: 0,
          changes: [],
          positions: [],
        });
        expect(acquired.snapshot).toBeUndefined();
        expect((await store.acquire(3, 'member-b')).epoch).toBe(2);
        expect(await store.partitions()).toEqual([]);
      },
      SLOW_MS,
    );

    it(
      'returns committed entries in order with their events exactly, and the latest positions',
      async () => {
        const { epoch } = await store.acquire(0, 'a');
        const state = newPartitionState(0, INPUTS);
        const first = unitEvents(run, 0, 1);
        const second = unitEvents(run, 0, 2);
        const e1 = entry(1, `${run}-1`, first, fold(state, first));
        const e2 = entry(2, `${run}-2`, second, fold(state, second));
        expect(
          await commit({
            partition: 0,
            epoch,
            batchId: e1.batchId,
            entry: e1,
            positions: [position('impressions', 0, '10')],
          }),
        ).toEqual({ committed: true });
        await commit({
          partition: 0,
          epoch,
          batchId: e2.batchId,
          entry: e2,
          positions: [
            position('impressions', 0, '25'),
            position('clicks', 0, '9000000000000000001'),
          ],
        });
        const acquired = await store.acquire(0, 'b');
        expect(acquired.head).toBe(2);
        expect(acquired.changes).toEqual([e1, e2]);
        expect([...acquired.positions].sort((a, b) => (a.topic < b.topic ? -1 : 1))).toEqual([
          position('clicks', 0, '9000000000000000001'),
          position('impressions', 0, '25'),
        ]);
        expect(await store.partitions()).toEqual([0]);
      },
      SLOW_MS,
    );

    it(
      'returns entries in sequence order past 9, and trims up to the latest behind the horizon',
      async () => {
        const { epoch } = await store.acquire(8, 'a');
        const state = newPartitionState(8, INPUTS);
        const entries: ChangelogEntry[] = [];
        for (let n = 1; n <= 12; n++) {
          const events = unitEvents(run, 8, n, T + n * HOUR);
          entries.push(entry(n, `${run}-${n}`, events, fold(state, events)));
          await commit({ partition: 8, epoch, batchId: `${run}-${n}`, entry: entries[n - 1] });
        }
        expect((await store.acquire(8, 'b')).changes.map((e) => e.sequence)).toEqual(
          entries.map((e) => e.sequence),
        );
        const { epoch: next } = await store.acquire(8, 'c');
        // entries 1..11 are behind the horizon: all of them go, 12 is the snapshot's own
        await commit({
          partition: 8,
          epoch: next,
          batchId: `${run}-snap`,
          snapshot: {
            sequence: 12,
            chunks: [...snapshotChunks(state)],
            trimBefore: T + 11.5 * HOUR,
          },
        });
        const log = await store.readLog(8);
        expect(log.entries.map((e) => e.sequence)).toEqual([12]);
        expect(log.startClock).toEqual(entries[10]?.clock);
      },
      SLOW_MS,
    );

    it(
      'refuses a commit under a stale epoch and keeps nothing of it',
      async () => {
        const old = await store.acquire(1, 'a');
        const taken = await store.acquire(1, 'b');
        const events = unitEvents(run, 1, 1);
        const stale = entry(1, `${run}-stale`, events, fold(newPartitionState(1, INPUTS), events));
        expect(
          await commit({
            partition: 1,
            epoch: old.epoch,
            batchId: stale.batchId,
            entry: stale,
            positions: [position('impressions', 1, '99')],
          }),
        ).toEqual({ committed: false });
        const after = await store.acquire(1, 'c');
        expect(after.changes).toEqual([]);
        expect(after.positions).toEqual([]);
        expect(
          await commit({
            partition: 1,
            epoch: taken.epoch,
            batchId: `${run}-late`,
            positions: [position('impressions', 1, '5')],
          }),
        ).toEqual({ committed: false });
        expect(
          await commit({
            partition: 1,
            epoch: after.epoch,
            batchId: `${run}-ok`,
            positions: [position('impressions', 1, '5')],
          }),
        ).toEqual({ committed: true });
      },
      SLOW_MS,
    );

    it(
      'keeps groups apart: one group’s commits and snapshots never touch another’s',
      async () => {
        const a = await store.acquire(0, 'a');
        const b = await store.acquire(1, 'b');
        const stateA = newPartitionState(0, INPUTS);
        const stateB = newPartitionState(1, INPUTS);
        const evA = unitEvents(run, 0, 1);
        const evB = unitEvents(run, 1, 1);
        const eA = entry(1, `${run}-a1`, evA, fold(stateA, evA));
        const eB = entry(1, `${run}-b1`, evB, fold(stateB, evB));
        await commit({ partition: 0, epoch: a.epoch, batchId: eA.batchId, entry: eA });
        await commit({ partition: 1, epoch: b.epoch, batchId: eB.batchId, entry: eB });
        // a snapshot of group 0 that trims everything it may
        await commit({
          partition: 0,
          epoch: a.epoch,
          batchId: `${run}-a2`,
          snapshot: { sequence: 1, chunks: [...snapshotChunks(stateA)], trimBefore: T + 10 * HOUR },
        });
        const again = await store.acquire(1, 'b2');
        expect(again.changes).toEqual([eB]);
        expect(again.snapshot).toBeUndefined();
        expect((await store.readLog(1)).entries).toEqual([eB]);
        expect((await store.acquire(0, 'a2')).snapshot?.sequence).toBe(1);
      },
      SLOW_MS,
    );

    it(
      'restores a snapshot in chunks to the same state, then only the entries after it',
      async () => {
        const { epoch } = await store.acquire(2, 'a');
        const state = newPartitionState(2, INPUTS);
        const entries: ChangelogEntry[] = [];
        for (let n = 1; n <= 5; n++) {
          const events = unitEvents(run, 2, n, T + n * HOUR);
          entries.push(entry(n, `${run}-${n}`, events, fold(state, events)));
          await commit({ partition: 2, epoch, batchId: `${run}-${n}`, entry: entries[n - 1] });
        }
        const chunks = [...snapshotChunks(state, 3)];
        expect(chunks.length).toBeGreaterThan(2);
        await commit({
          partition: 2,
          epoch,
          batchId: `${run}-snap`,
          snapshot: { sequence: 5, chunks, trimBefore: T },
        });
        const later = unitEvents(run, 2, 6, T + 6 * HOUR);
        const e6 = entry(6, `${run}-6`, later, fold(state, later));
        await commit({ partition: 2, epoch, batchId: e6.batchId, entry: e6 });

        const acquired = await store.acquire(2, 'b');
        expect(acquired.snapshot?.sequence).toBe(5);
        expect(acquired.changes).toEqual([e6]);
        expect(acquired.head).toBe(6);
        const restored = fold(
          restorePartition(2, INPUTS, acquired.snapshot?.chunks ?? []),
          acquired.changes.flatMap((c) => c.events),
        );
        expect(describePartition(restored)).toEqual(describePartition(state));
        // nothing was behind T: the whole log is kept, and nothing says where a trim started
        expect((await store.readLog(2)).entries).toEqual([...entries, e6]);
        expect((await store.readLog(2)).startClock).toBeUndefined();
      },
      SLOW_MS,
    );

    it(
      'trims entries wholly behind the horizon, never one after the snapshot, and says where the log starts',
      async () => {
        const { epoch } = await store.acquire(4, 'a');
        const state = newPartitionState(4, INPUTS);
        const entries: ChangelogEntry[] = [];
        for (let n = 1; n <= 4; n++) {
          const events = unitEvents(run, 4, n, T + n * HOUR);
          entries.push(entry(n, `${run}-${n}`, events, fold(state, events)));
          await commit({ partition: 4, epoch, batchId: `${run}-${n}`, entry: entries[n - 1] });
        }
        // entries 1 and 2 are older than the horizon; 4 is too recent, and 3 is after the snapshot
        await commit({
          partition: 4,
          epoch,
          batchId: `${run}-snap`,
          snapshot: { sequence: 2, chunks: [...snapshotChunks(state)], trimBefore: T + 3.5 * HOUR },
        });
        const log = await store.readLog(4);
        expect(log.entries).toEqual(entries.slice(2));
        expect(log.startClock).toEqual(entries[1]?.clock);
        expect((await store.acquire(4, 'b')).changes).toEqual(entries.slice(2));
      },
      SLOW_MS,
    );

    it(
      'reads a group’s snapshot and whole retained log without taking it over',
      async () => {
        expect(await store.readState(7)).toEqual({ partition: 7, log: { entries: [] } });
        const { epoch } = await store.acquire(7, 'a');
        const state = newPartitionState(7, INPUTS);
        const entries: ChangelogEntry[] = [];
        for (let n = 1; n <= 3; n++) {
          const events = unitEvents(run, 7, n, T + n * HOUR);
          entries.push(entry(n, `${run}-${n}`, events, fold(state, events)));
          await commit({ partition: 7, epoch, batchId: `${run}-${n}`, entry: entries[n - 1] });
        }
        const chunks = [...snapshotChunks(state, 4)];
        await commit({
          partition: 7,
          epoch,
          batchId: `${run}-snap`,
          snapshot: { sequence: 3, chunks, trimBefore: T + 1.5 * HOUR },
        });
        const later = unitEvents(run, 7, 4, T + 4 * HOUR);
        const e4 = entry(4, `${run}-4`, later, fold(state, later));
        await commit({ partition: 7, epoch, batchId: e4.batchId, entry: e4 });

        const stored = await store.readState(7);
        expect(stored.partition).toBe(7);
        expect(stored.snapshot).toEqual({ sequence: 3, chunks });
        expect(stored.log).toEqual(await store.readLog(7));
        expect(stored.log.entries).toEqual([...entries.slice(1), e4]);
        expect(stored.log.startClock).toEqual(entries[0]?.clock);
        // the reader fenced nobody: the owner still commits under its epoch
        expect(
          await commit({ partition: 7, epoch, batchId: `${run}-after-read`, positions: [] }),
        ).toEqual({ committed: true });
        const acquired = await store.acquire(7, 'b');
        expect(acquired.epoch).toBe(epoch + 1);
        expect(acquired.snapshot).toEqual(stored.snapshot);
        expect(acquired.changes).toEqual([e4]);
      },
      SLOW_MS,
    );

    it(
      'answers with the epoch only when the caller already holds the current head',
      async () => {
        const { epoch } = await store.acquire(5, 'a');
        const events = unitEvents(run, 5, 1);
        const e1 = entry(1, `${run}-1`, events, fold(newPartitionState(5, INPUTS), events));
        await commit({
          partition: 5,
          epoch,
          batchId: e1.batchId,
          entry: e1,
          positions: [position('impressions', 5, '3')],
        });
        const same = await store.acquire(5, 'a', 1);
        expect(same).toMatchObject({
          unchanged: true,
          head: 1,
          changes: [],
          positions: [position('impressions', 5, '3')],
        });
        expect(same.epoch).toBe(epoch + 1);
        const behind = await store.acquire(5, 'a', 0);
        expect(behind.unchanged).toBeFalsy();
        expect(behind.changes).toEqual([e1]);
      },
      SLOW_MS,
    );

    it(
      'records intents without changing what a group restores',
      async () => {
        await store.beginBatch(`${run}-0`);
        await store.beginBatch(`${run}-0`);
        expect(await store.acquire(6, 'a')).toMatchObject({ head: 0, changes: [], positions: [] });
      },
      SLOW_MS,
    );
  });
}
