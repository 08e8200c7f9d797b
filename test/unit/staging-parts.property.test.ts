/**
 * stageBatch's objects, read back from the store: one gzip NDJSON object per table and event day,
 * whose lines are that part's events, in batch order, as JSON. Random text makes some parts
 * compress badly, so their gzip output is larger than the output buffer staging sizes for it
 * (a quarter of the text) and takes several passes through zlib.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { EVENT_TYPES, utcDayOf, type AdEvent } from '../../domain';
import { FACT_TABLE, stageBatch, stagingKey } from '../../src/pipeline/staging';
import { stagedNdjsonRows } from '../support/staged-ndjson';

const DAY_MS = 86_400_000;
const T0 = Date.UTC(2026, 10, 25, 12);

const adEvent = fc
  .record({
    eventType: fc.constantFrom(...EVENT_TYPES),
    n: fc.nat(),
    day: fc.integer({ min: 0, max: 2 }),
    ms: fc.integer({ min: 0, max: DAY_MS - 1 }),
    campaignId: fc.oneof(fc.constantFrom('c-1', 'c-2'), fc.string({ unit: 'binary' })),
    userId: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 400 }),
  })
  .map(({ eventType, n, day, ms, campaignId, userId }): AdEvent => ({
    eventId: `${eventType}-${n}`,
    eventType,
    eventTime: Date.UTC(2026, 10, 25) + day * DAY_MS + ms,
    userId,
    campaignId,
    source: { topic: 'impressions', partition: 1, offset: String(n), format: 'json' },
  }));

async function stagedLines(store: MemoryObjectStore, key: string): Promise<unknown[]> {
  const object = await store.get(key);
  if (!object) throw new Error(`${key} was not staged`);
  return stagedNdjsonRows(object.body);
}

describe('stageBatch parts', () => {
  it('hold every event once, in its table and day, in batch order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(adEvent, { maxLength: 300 }), async (events) => {
        const store = new MemoryObjectStore();
        const staged = await stageBatch(store, 'b-1', events, []);
        const expected = new Map<string, unknown[]>();
        for (const e of events) {
          const key = stagingKey(FACT_TABLE[e.eventType], utcDayOf(e.eventTime).iso, 'b-1');
          expected.set(key, [...(expected.get(key) ?? []), JSON.parse(JSON.stringify(e))]);
        }
        expect(staged.map((s) => s.key).sort()).toEqual([...expected.keys()].sort());
        for (const s of staged) {
          const lines = await stagedLines(store, s.key);
          expect(lines).toEqual(expected.get(s.key));
          expect(s.rows).toBe(lines.length);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a part that compresses badly comes back whole', async () => {
    // random bytes as hex: gzip gets the text to about half, twice the quarter staging sized for
    const events: AdEvent[] = Array.from({ length: 2000 }, (_, i) => ({
      eventId: `impression-${i}`,
      eventType: 'impression',
      eventTime: T0 + i,
      userId: randomBytes(150).toString('hex'),
      campaignId: Math.random().toString(36),
      source: { topic: 'impressions', partition: 0, offset: String(i), format: 'json' },
    }));
    const store = new MemoryObjectStore();
    const [part] = await stageBatch(store, 'b-2', events, []);
    const lines = await stagedLines(store, part!.key);
    expect(lines).toEqual(events.map((e) => JSON.parse(JSON.stringify(e)) as unknown));
    const text = events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    expect(part!.bytes).toBeGreaterThan(text.length / 4);
  });
});
