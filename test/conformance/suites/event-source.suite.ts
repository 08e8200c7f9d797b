import type { SourceKind } from '../../../domain';
import type {
  AssignmentListener,
  BatchHandler,
  EventSource,
  RawRecord,
  SourceBatch,
  TopicPartitionOffset,
} from '../../../ports';
import { deferred, gracePeriod, hasSettled, SLOW_MS } from '../support/conformance-kit';

/** EventSource cannot write, so the harness brings a producer onto the same (fresh) topics. */
export interface EventSourceHarness {
  /** topics created for this test only (at least one), with the contract each carries */
  readonly topics: ReadonlyMap<string, SourceKind>;
  /** a source subscribed to `topics`, not running yet */
  readonly source: EventSource;
  /** another source over the same topics, as a restarted process would create it */
  reopen(): Promise<EventSource>;
  produce(
    topic: string,
    key: string | null,
    value: Uint8Array | null,
    headers?: Record<string, string>,
  ): Promise<void>;
  cleanup?: () => Promise<void>;
}

interface Consumption {
  readonly batches: SourceBatch[];
  /** batches delivered while another batch of the same topic-partition was still in the handler */
  readonly overlapping: string[];
}

/** A listener that resumes from these positions and records what it was told. */
function listener(positions: readonly TopicPartitionOffset[] = []): AssignmentListener & {
  readonly assignedCalls: number[][];
  readonly revokedCalls: number[][];
} {
  const assignedCalls: number[][] = [];
  const revokedCalls: number[][] = [];
  return {
    assignedCalls,
    revokedCalls,
    assigned: async (partitions) => {
      assignedCalls.push([...partitions]);
      return positions.filter((p) => partitions.includes(p.partition));
    },
    revoked: async (partitions) => {
      revokedCalls.push([...partitions]);
    },
  };
}

/**
 * Runs the source until `done` holds for everything delivered so far, then stops it from outside
 * the handler and waits for run() to return. `onBatch` runs inside the handler.
 */
async function consumeUntil(
  source: EventSource,
  done: (records: RawRecord[]) => boolean,
  onBatch: (batch: SourceBatch) => Promise<void> = async () => {},
  assignment: AssignmentListener = listener(),
): Promise<Consumption> {
  const result: Consumption = { batches: [], overlapping: [] };
  const inFlight = new Set<string>();
  const reached = deferred();
  const handler: BatchHandler = async (batch) => {
    const tp = `${batch.topic}:${batch.partition}`;
    if (inFlight.has(tp)) result.overlapping.push(batch.id);
    inFlight.add(tp);
    result.batches.push(batch);
    try {
      await onBatch(batch);
    } finally {
      inFlight.delete(tp);
    }
    if (done(result.batches.flatMap((b) => b.records))) reached.resolve();
  };
  const running = source.run(handler, assignment);
  await Promise.race([
    reached.promise,
    running.then(() => {
      throw new Error('run() returned before the expected records were delivered');
    }),
  ]);
  await source.stop();
  await running;
  return result;
}

const text = (bytes: Uint8Array | null): string => Buffer.from(bytes ?? []).toString('utf8');
const payload = (n: number, key: string): Uint8Array => Buffer.from(JSON.stringify({ n, key }));
const parsed = (r: RawRecord): { n: number; key: string } =>
  JSON.parse(text(r.value)) as { n: number; key: string };
const tpOf = (r: { topic: string; partition: number }): string => `${r.topic}:${r.partition}`;
const hasAll = (count: number) => (records: RawRecord[]) =>
  new Set(records.map((r) => `${r.topic}/${text(r.value)}`)).size >= count;

export function eventSourceConformance(
  name: string,
  make: () => Promise<EventSourceHarness>,
): void {
  describe(`EventSource conformance: ${name}`, () => {
    let harness: EventSourceHarness;
    let topics: string[];
    let topic: string;

    beforeEach(async () => {
      harness = await make();
      topics = [...harness.topics.keys()];
      topic = topics[0] as string;
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    /** n records per topic over `keys` users, produced one after another */
    async function produceMany(n: number, keys: number, into = topics): Promise<number> {
      for (const t of into) {
        for (let i = 0; i < n; i++) {
          const key = `user-${i % keys}`;
          await harness.produce(t, key, payload(i, key), { seq: String(i) });
        }
      }
      return n * into.length;
    }

    it(
      'delivers every record exactly once, in offset order per partition and produce order per key',
      async () => {
        const total = await produceMany(30, 7);
        const { batches, overlapping } = await consumeUntil(harness.source, hasAll(total));
        const records = batches.flatMap((b) => b.records);
        const seen = records.map((r) => `${r.topic}/${text(r.value)}`);
        expect(seen).toHaveLength(total);
        expect(new Set(seen).size).toBe(total);
        expect(overlapping).toEqual([]);
        const lastOffset = new Map<string, bigint>();
        const lastN = new Map<string, number>();
        for (const r of records) {
          const offset = BigInt(r.offset);
          expect(offset).toBeGreaterThan(lastOffset.get(tpOf(r)) ?? -1n);
          lastOffset.set(tpOf(r), offset);
          const { n, key } = parsed(r);
          expect(n).toBeGreaterThan(lastN.get(`${r.topic}/${key}`) ?? -1);
          lastN.set(`${r.topic}/${key}`, n);
        }
      },
      SLOW_MS,
    );

    it(
      'forms batches of one topic-partition with id topic-partition-firstOffset-lastOffset',
      async () => {
        const total = await produceMany(20, 5);
        const { batches } = await consumeUntil(harness.source, hasAll(total));
        for (const batch of batches) {
          expect(batch.records.length).toBeGreaterThan(0);
          expect(batch.kind).toBe(harness.topics.get(batch.topic));
          for (const r of batch.records) {
            expect({ topic: r.topic, partition: r.partition }).toEqual({
              topic: batch.topic,
              partition: batch.partition,
            });
          }
          const offsets = batch.records.map((r) => BigInt(r.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
          expect(batch.firstOffset).toBe(batch.records[0]?.offset);
          expect(batch.lastOffset).toBe(batch.records[batch.records.length - 1]?.offset);
          expect(batch.id).toBe(
            `${batch.topic}-${batch.partition}-${batch.firstOffset}-${batch.lastOffset}`,
          );
        }
      },
      SLOW_MS,
    );

    it(
      'preserves key bytes, headers, binary values and null keys or values',
      async () => {
        const binary = Uint8Array.from([0x00, 0xff, 0x00, 0xc3, 0x28, 0x0a, 0x7f]);
        const headers = { 'content-type': 'application/octet-stream', 'x-trace-id': 'trace=1;a' };
        const before = Date.now();
        await harness.produce(topic, 'user-ü-42', binary, headers);
        await harness.produce(topic, null, Buffer.from('no key'));
        await harness.produce(topic, 'user-tombstone', null);
        const { batches } = await consumeUntil(harness.source, (rs) => rs.length >= 3);
        const records = batches.flatMap((b) => b.records);
        expect(records).toHaveLength(3);
        const withKey = records.find((r) => text(r.key) === 'user-ü-42');
        expect(Buffer.from(withKey?.key ?? []).equals(Buffer.from('user-ü-42', 'utf8'))).toBe(true);
        expect(Buffer.from(withKey?.value ?? []).equals(Buffer.from(binary))).toBe(true);
        expect(withKey?.headers).toEqual(headers);
        const noKey = records.find((r) => text(r.value) === 'no key');
        expect(noKey?.key).toBeNull();
        expect(noKey?.headers).toEqual({});
        const tombstone = records.find((r) => text(r.key) === 'user-tombstone');
        expect(tombstone?.value).toBeNull();
        for (const r of records) {
          expect(r.timestamp).toMatch(/^\d+$/);
          expect(Number(r.timestamp)).toBeGreaterThanOrEqual(before - 60_000);
          expect(Number(r.timestamp)).toBeLessThanOrEqual(Date.now() + 60_000);
        }
      },
      SLOW_MS,
    );

    it(
      'asks the listener for the partitions before delivering any of their records',
      async () => {
        const total = await produceMany(12, 4);
        const gate = deferred<readonly TopicPartitionOffset[]>();
        const calls: number[][] = [];
        let deliveredBeforeAssigned = 0;
        let assignedDone = false;
        const assignment: AssignmentListener = {
          assigned: async (partitions) => {
            calls.push([...partitions]);
            const positions = await gate.promise;
            assignedDone = true;
            return positions;
          },
          revoked: async () => {},
        };
        const consumed = consumeUntil(
          harness.source,
          hasAll(total),
          async () => {
            if (!assignedDone) deliveredBeforeAssigned++;
          },
          assignment,
        );
        await gracePeriod();
        gate.resolve([]);
        const { batches } = await consumed;
        expect(deliveredBeforeAssigned).toBe(0);
        const assigned = new Set(calls.flat());
        for (const b of batches) expect(assigned.has(b.partition)).toBe(true);
      },
      SLOW_MS,
    );

    it(
      'stops delivering a partition the handler reports lost',
      async () => {
        const total = await produceMany(20, 6, [topic]);
        const lost = new Set<number>();
        const afterLost: string[] = [];
        const handler: BatchHandler = async (batch) => {
          if (lost.has(batch.partition)) afterLost.push(batch.id);
          if (lost.size === 0) {
            lost.add(batch.partition);
            return 'lost';
          }
          return 'done';
        };
        const running = harness.source.run(handler, listener());
        await gracePeriod(1500);
        await harness.source.stop();
        await running;
        expect(lost.size).toBe(1);
        expect(afterLost).toEqual([]);
        expect(total).toBeGreaterThan(0);
      },
      SLOW_MS,
    );

    it(
      'resumes from the listener’s positions after a restart, not from the broker-committed offsets',
      async () => {
        const total = await produceMany(16, 4, [topic]);
        // the broker is told everything was read, batch by batch while the source runs (as the
        // service does: a consumer that has left its group cannot commit any more)...
        const source = harness.source;
        const first = await consumeUntil(source, hasAll(total), (batch) =>
          source.commit([
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: String(BigInt(batch.lastOffset) + 1n),
            },
          ]),
        );
        const byPartition = new Map<number, RawRecord[]>();
        for (const r of first.batches.flatMap((b) => b.records)) {
          byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
        }
        // ...while the state store says only half of each partition was processed
        const positions = [...byPartition].map(([partition, rs]) => ({
          topic,
          partition,
          offset: rs[Math.floor(rs.length / 2)]?.offset as string,
        }));
        const expected = new Set(
          [...byPartition.values()].flatMap((rs) =>
            rs.slice(Math.floor(rs.length / 2)).map((r) => text(r.value)),
          ),
        );
        const restarted = await harness.reopen();
        const second = await consumeUntil(
          restarted,
          (rs) =>
            [...expected].every((v) => rs.some((r) => r.topic === topic && text(r.value) === v)),
          async () => {},
          listener(positions),
        );
        for (const r of second.batches.flatMap((b) => b.records)) {
          const from = positions.find((p) => p.partition === r.partition && p.topic === r.topic);
          expect(from).toBeDefined();
          expect(BigInt(r.offset)).toBeGreaterThanOrEqual(BigInt(from?.offset as string));
          expect(expected.has(text(r.value))).toBe(true);
        }
      },
      SLOW_MS,
    );

    it(
      'stop() lets the batch in flight finish, then run() returns and no new batch starts',
      async () => {
        await produceMany(6, 3, [topic]);
        const entered = deferred();
        const release = deferred();
        let stopCalled = false;
        const startedAfterStop: string[] = [];
        const running = harness.source.run(async (batch) => {
          if (stopCalled) startedAfterStop.push(batch.id);
          entered.resolve();
          await release.promise;
        }, listener());
        await entered.promise;
        stopCalled = true;
        const stopping = harness.source.stop();
        await gracePeriod();
        expect(await hasSettled(running)).toBe(false);
        release.resolve();
        await running;
        await stopping;
        expect(startedAfterStop).toEqual([]);
      },
      SLOW_MS,
    );

    it(
      'does not deliver the next batch of a partition before the handler resolves (backpressure)',
      async () => {
        const key = 'user-backpressure';
        await harness.produce(topic, key, payload(0, key));
        const entered = deferred();
        const release = deferred();
        const consumed = consumeUntil(harness.source, hasAll(4), async (batch) => {
          if (batch.records.some((r) => parsed(r).n === 0)) {
            entered.resolve();
            await release.promise;
          }
        });
        await entered.promise;
        for (let n = 1; n <= 3; n++) await harness.produce(topic, key, payload(n, key));
        await gracePeriod();
        release.resolve();
        const { batches, overlapping } = await consumed;
        expect(overlapping).toEqual([]);
        const [held, ...later] = batches;
        expect(held?.records.map((r) => parsed(r).n)).toEqual([0]);
        expect(later.flatMap((b) => b.records.map((r) => parsed(r).n))).toEqual([1, 2, 3]);
        for (const b of later)
          expect(BigInt(b.firstOffset)).toBeGreaterThan(BigInt(held?.lastOffset ?? 0));
      },
      SLOW_MS,
    );
  });
}
