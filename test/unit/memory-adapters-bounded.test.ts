import { MemoryBus } from '../../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import type { AdEvent } from '../../domain';

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
    const log = new MemoryLineageLog({ keepBatches: 2 });
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
