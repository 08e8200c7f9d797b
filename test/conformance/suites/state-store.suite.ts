import type { DomainEvent } from '../../../domain';
import type { StateStore, StoredState, TopicPartitionOffset } from '../../../ports';
import { adEvent, SLOW_MS, uniqueName } from '../support/conformance-kit';

/** The factory gives a store of its own (fresh schema, key or namespace): load() starts empty. */
export interface StateStoreHarness {
  readonly store: StateStore;
  cleanup?: () => Promise<void>;
}

const T = Date.UTC(2026, 10, 26, 7);

function domainEvents(run: string, n: number): DomainEvent[] {
  const source = {
    topic: `${run}.impressions`,
    partition: 1,
    offset: String(n),
    format: 'json' as const,
  };
  return [
    {
      type: 'EventAccepted',
      event: adEvent('impression', `${run}-imp-${n}`, T + n, { costMicros: 9 }),
    },
    {
      type: 'DuplicateDropped',
      eventType: 'impression',
      eventId: `${run}-imp-${n}`,
      eventTime: T + n,
      source,
    },
    {
      type: 'RecordRejected',
      source,
      rejection: { reason: 'missing_field', path: '$.user_id', detail: 'required' },
    },
    {
      type: 'ClickAttributed',
      attribution: {
        partition: 1,
        eventType: 'click',
        eventId: `${run}-clk-${n}`,
        eventTime: T + n + 1,
        userId: 'b'.repeat(64),
        campaignId: `${run}-campaign`,
        model: 'lookback',
        touch: { eventType: 'impression', eventId: `${run}-imp-${n}`, eventTime: T + n },
        late: false,
      },
    },
  ];
}

const byTopicPartition = (positions: readonly TopicPartitionOffset[]) =>
  [...positions].sort((a, b) =>
    `${a.topic}:${a.partition}`.localeCompare(`${b.topic}:${b.partition}`),
  );

/**
 * The StateStore contract: domain events, snapshot and next offsets are committed together; load()
 * returns the latest snapshot, the events committed after it, and the latest position per
 * topic-partition.
 */
export function stateStoreConformance(name: string, make: () => Promise<StateStoreHarness>): void {
  describe(`StateStore conformance: ${name}`, () => {
    let harness: StateStoreHarness;
    let store: StateStore;
    let run: string;
    let topic: string;

    beforeEach(async () => {
      harness = await make();
      store = harness.store;
      run = uniqueName('state');
      topic = `${run}.impressions`;
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup?.();
    });

    const position = (partition: number, offset: string, t = topic): TopicPartitionOffset => ({
      topic: t,
      partition,
      offset,
    });

    it('loads nothing from a fresh store', async () => {
      const state = await store.load();
      expect(state.snapshot).toBeUndefined();
      expect(state.eventsAfterSnapshot).toEqual([]);
      expect(state.positions).toEqual([]);
    });

    it(
      'returns committed events in commit order with their positions',
      async () => {
        const first = domainEvents(run, 1);
        const second = domainEvents(run, 2);
        await store.commit({ batchId: `${run}-1`, events: first, positions: [position(0, '10')] });
        await store.commit({ batchId: `${run}-2`, events: second, positions: [position(1, '5')] });
        const state = await store.load();
        expect(state.snapshot).toBeUndefined();
        expect(state.eventsAfterSnapshot).toEqual([...first, ...second]);
        expect(byTopicPartition(state.positions)).toEqual([position(0, '10'), position(1, '5')]);
      },
      SLOW_MS,
    );

    it(
      'replaces the position of a topic-partition on a later commit and keeps the others',
      async () => {
        const clicks = `${run}.clicks`;
        await store.commit({
          batchId: `${run}-1`,
          events: [],
          positions: [position(0, '10'), position(1, '7'), position(0, '3', clicks)],
        });
        await store.commit({ batchId: `${run}-2`, events: [], positions: [position(0, '25')] });
        await store.commit({
          batchId: `${run}-3`,
          events: [],
          positions: [position(0, '9000000000000000001', clicks)],
        });
        expect(byTopicPartition((await store.load()).positions)).toEqual(
          byTopicPartition([
            position(0, '25'),
            position(1, '7'),
            position(0, '9000000000000000001', clicks),
          ]),
        );
      },
      SLOW_MS,
    );

    it(
      'returns the latest snapshot and only the events committed after it',
      async () => {
        await store.commit({ batchId: `${run}-1`, events: domainEvents(run, 1), positions: [] });
        await store.commit({
          batchId: `${run}-2`,
          events: domainEvents(run, 2),
          positions: [position(0, '20')],
          snapshot: '{"state":"after batch 2"}',
        });
        const after = domainEvents(run, 3);
        await store.commit({ batchId: `${run}-3`, events: after, positions: [position(0, '30')] });
        const state: StoredState = await store.load();
        expect(state.snapshot?.data).toBe('{"state":"after batch 2"}');
        expect(typeof state.snapshot?.sequence).toBe('number');
        expect(state.eventsAfterSnapshot).toEqual(after);
        expect(state.positions).toEqual([position(0, '30')]);

        const first = state.snapshot?.sequence as number;
        await store.commit({
          batchId: `${run}-4`,
          events: domainEvents(run, 4),
          positions: [],
          snapshot: '{"state":"after batch 4"}',
        });
        const later = await store.load();
        expect(later.snapshot?.data).toBe('{"state":"after batch 4"}');
        expect(later.snapshot?.sequence).toBeGreaterThan(first);
        expect(later.eventsAfterSnapshot).toEqual([]);
        expect(later.positions).toEqual([position(0, '30')]);
      },
      SLOW_MS,
    );

    it(
      'does not change what load returns on beginBatch',
      async () => {
        await store.beginBatch(`${run}-0`);
        expect(await store.load()).toEqual({ eventsAfterSnapshot: [], positions: [] });
        await store.commit({
          batchId: `${run}-1`,
          events: domainEvents(run, 1),
          positions: [position(0, '4')],
        });
        const before = await store.load();
        await store.beginBatch(`${run}-2`);
        await store.beginBatch(`${run}-2`);
        expect(await store.load()).toEqual(before);
      },
      SLOW_MS,
    );
  });
}
