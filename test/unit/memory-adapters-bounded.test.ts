import { ManualClock } from '../../adapters/memory/manual-clock';
import { MemoryBus } from '../../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { MemoryEventSource } from '../../adapters/memory/memory-event-source';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { MemoryStateStore } from '../../adapters/memory/memory-state-store';
import { expiredCount } from '../../adapters/memory/retention';
import type { AdEvent } from '../../domain';
import type { DeadLetter, RawRecord } from '../../ports';

describe('the embedded run’s in-memory adapters keep a bounded window', () => {
  it('bus: trimming keeps offsets, reads from the first record kept, never past the end', () => {
    const bus = new MemoryBus(() => 0, 1);
    for (let i = 0; i < 10; i++) bus.produce('t', 'k', Buffer.from(String(i)));
    bus.trimBefore('t', 0, 7);
    expect(bus.startOffset('t', 0)).toBe(7);
    expect(bus.endOffset('t', 0)).toBe(10);
    expect(bus.read('t', 0, 8, 10).map((r) => r.offset)).toEqual(['8', '9']);
    expect(bus.read('t', 0, 0, 2).map((r) => r.offset)).toEqual(['7', '8']);
    bus.trimBefore('t', 0, 99);
    expect(bus.all('t')).toEqual([]);
    expect(bus.produce('t', 'k', null).offset).toBe('10');
  });

  it('object store: only the latest objects stay', async () => {
    const store = new MemoryObjectStore({ keepLatest: 3 });
    for (let i = 0; i < 5; i++) await store.put(`s/${i}`, Buffer.from('x'), 'text/plain');
    await store.put('s/2', Buffer.from('y'), 'text/plain');
    expect(await store.list('s/')).toEqual(['s/2', 's/3', 's/4']);
  });

  it('publisher: each list keeps at most twice its window and counts everything', async () => {
    const publisher = new MemoryEventPublisher(Date.now, { keepLatest: 100 });
    const event = { eventId: 'e', eventType: 'impression' } as AdEvent;
    for (let i = 0; i < 1000; i++) await publisher.publishAdEvents([event]);
    expect(publisher.adEvents.length).toBeGreaterThanOrEqual(100);
    expect(publisher.adEvents.length).toBeLessThanOrEqual(200);
    expect(publisher.published.adEvents).toBe(1000);
  });

  it('lineage: the oldest batches go with their steps and stopped records', async () => {
    const log = new MemoryLineageLog({ keepLatest: 2 });
    for (const batchId of ['b1', 'b2', 'b3']) {
      await log.append({
        steps: [{ batchId, step: 'validate' } as never],
        stopped: [{ batchId, topic: 't', partition: 0, offset: batchId.slice(1) } as never],
      });
    }
    expect(await log.stepsOfBatch('b1')).toEqual([]);
    expect(await log.stoppedAt('t', 0, '1')).toBeUndefined();
    expect(await log.stepsOfBatch('b3')).toHaveLength(1);
    expect(await log.stoppedAt('t', 0, '2')).toBeDefined();
  });
});

describe('the memory bus keeps its own copy of a record’s bytes', () => {
  it('not a slice of a shared buffer, which would keep the whole buffer alive', () => {
    const bus = new MemoryBus(() => 0, 1);
    // two records' bytes in one shared buffer, as Buffer.from's pool and encoders hand them out
    const shared = Buffer.from('first-value|second-value');
    const first = bus.produce('t', 'k1', shared.subarray(0, 11));
    bus.produce('t', 'k2', shared.subarray(12));
    for (const r of bus.all('t')) {
      expect(r.value?.buffer.byteLength).toBe(r.value?.byteLength);
      expect(r.key?.buffer.byteLength).toBe(r.key?.byteLength);
    }
    shared.fill(0);
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('first-value');
    expect(bus.all('t').map((r) => Buffer.from(r.key as Uint8Array).toString())).toEqual([
      'k1',
      'k2',
    ]);
  });
});

describe('the embedded run’s windows are bounded by age as well as by count', () => {
  it('retention: drops what is beyond the count, then what is older than the age', () => {
    const times = [10, 20, 30, 40, 50];
    const at = (i: number) => times[i] as number;
    expect(expiredCount(5, at, {}, 100)).toBe(0);
    expect(expiredCount(5, at, { keepLatest: 3 }, 100)).toBe(2);
    expect(expiredCount(5, at, { keepForMs: 75 }, 100)).toBe(2); // 10 and 20 are before 25
    expect(expiredCount(5, at, { keepLatest: 4, keepForMs: 65 }, 100)).toBe(3); // 10; 20, 30
    expect(expiredCount(5, at, { keepForMs: 0 }, 100)).toBe(5);
    expect(expiredCount(5, at, { keepLatest: 10, keepForMs: 1000 }, 100)).toBe(0);
  });

  it('bus: committed records older than the age go; uncommitted ones stay however old', () => {
    const bus = new MemoryBus(() => 0, 1);
    for (let i = 0; i < 6; i++) bus.produce('t', 'k', Buffer.from(String(i)), {}, 1000 + i * 100);
    // at t=1500 with a 250 ms age: records stamped before 1250 (offsets 0-2) have expired
    bus.trimCommitted('t', 0, 2, { keepForMs: 250, now: () => 1500 });
    expect(bus.startOffset('t', 0)).toBe(2); // only what was committed (offsets 0 and 1)
    bus.trimCommitted('t', 0, 6, { keepForMs: 250, now: () => 1500 });
    expect(bus.startOffset('t', 0)).toBe(3);
    bus.trimCommitted('t', 0, 6, { keepLatest: 1, keepForMs: 10_000, now: () => 1500 });
    expect(bus.read('t', 0, 0, 10).map((r) => r.offset)).toEqual(['5']);
    bus.trimCommitted('t', 0, 6, { keepForMs: 0, now: () => 99_999 });
    expect(bus.all('t')).toEqual([]);
    expect(bus.endOffset('t', 0)).toBe(6);
  });

  it('source: a commit applies the bus retention to what it committed', async () => {
    const bus = new MemoryBus(() => 0, 1);
    const old = Date.now() - 120_000;
    for (let i = 0; i < 4; i++) bus.produce('t', 'k', Buffer.from(String(i)), {}, old);
    bus.produce('t', 'k', Buffer.from('fresh'));
    const source = new MemoryEventSource(bus, {
      topics: new Map([['t', 'impression']]),
      maxBatchSize: 10,
      keepCommitted: { keepLatest: 100, keepForMs: 60_000 },
    });
    await source.commit([{ topic: 't', partition: 0, offset: '3' }]);
    expect(bus.startOffset('t', 0)).toBe(3);
    await source.commit([{ topic: 't', partition: 0, offset: '5' }]);
    expect(bus.all('t').map((r) => Buffer.from(r.value as Uint8Array).toString())).toEqual([
      'fresh',
    ]);
  });

  it('publisher: a sparse list (dead letters) keeps only its recent ones, and counts all', async () => {
    const clock = new ManualClock(0);
    const publisher = new MemoryEventPublisher(() => clock.now(), {
      keepLatest: 10_000,
      keepForMs: 60_000,
    });
    const letter = (offset: number): DeadLetter => ({
      record: {
        topic: 't',
        partition: 0,
        offset: String(offset),
        key: null,
        value: Buffer.from('x'),
        headers: {},
        timestamp: '0',
      } satisfies RawRecord,
      rejection: { reason: 'invalid_value', path: 'x', detail: 'x' },
      format: 'json',
    });
    for (let i = 0; i < 100; i++) {
      await publisher.publishDeadLetters([letter(i)]);
      clock.advance(1000);
    }
    // published at 0 s .. 99 s; at 99 s the last minute is 39 s .. 99 s
    expect(publisher.deadLetters.map((d) => d.source.offset)).toEqual(
      Array.from({ length: 61 }, (_, i) => String(39 + i)),
    );
    expect(publisher.published.deadLetters).toBe(100);
  });

  it('object store and lineage: entries older than the age expire', async () => {
    const clock = new ManualClock(0);
    const retention = { keepLatest: 1000, keepForMs: 5000, now: () => clock.now() };
    const store = new MemoryObjectStore(retention);
    const log = new MemoryLineageLog(retention);
    for (const i of [1, 2, 3]) {
      await store.put(`s/${i}`, Buffer.from('x'), 'text/plain');
      await log.append({ steps: [{ batchId: `b${i}`, step: 'validate' } as never], stopped: [] });
      clock.advance(3000);
    }
    // written at 0, 3 and 6 s; the last write (6 s) dropped what was older than 1 s
    expect(await store.list('s/')).toEqual(['s/2', 's/3']);
    expect(await log.stepsOfBatch('b1')).toEqual([]);
    expect(await log.stepsOfBatch('b2')).toHaveLength(1);
  });

  it('state store: an intent is forgotten once its batch commits', async () => {
    const store = new MemoryStateStore();
    const { epoch } = await store.acquire(0, 'me');
    await store.beginBatch('b1');
    await store.beginBatch('b2');
    await store.commit({ partition: 0, epoch, batchId: 'b1', positions: [] });
    expect([...store.uncommitted]).toEqual(['b2']);
  });
});
