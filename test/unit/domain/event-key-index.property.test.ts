import fc from 'fast-check';
import { EVENT_TYPES, type EventType } from '../../../domain/ad-event';
import {
  acceptedTimes,
  forgetBefore,
  indexedKeys,
  newEventKeyIndex,
  rememberKey,
} from '../../../domain/event-key-index';
import { BUCKET_MS } from '../../../domain/watermark';

type Op =
  { op: 'remember'; type: EventType; id: string; time: number } | { op: 'forget'; horizon: number };

const T0 = Date.UTC(2026, 0, 1);
const ids = fc.oneof(
  fc.constantFrom('imp-1', 'imp-2', 'clk-1', '', 'x'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('remember' as const),
      type: fc.constantFrom(...EVENT_TYPES),
      id: ids,
      time: fc.integer({ min: T0, max: T0 + 48 * BUCKET_MS }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('forget' as const),
      horizon: fc.integer({ min: T0, max: T0 + 50 * BUCKET_MS }),
    }),
  },
);

/** The plain model: every accepted time per key; forgetting drops whole hours before the horizon. */
function model(ops: readonly Op[]): Map<string, number[]> {
  const keys = new Map<string, number[]>();
  for (const o of ops) {
    if (o.op === 'remember') {
      const key = JSON.stringify([o.type, o.id]);
      keys.set(key, [...(keys.get(key) ?? []), o.time]);
    } else {
      for (const [key, times] of keys) {
        // the index forgets by hour of a key's latest time; earlier times of a reused key go by time
        const latest = Math.max(...times);
        const hourEnd = (Math.floor(latest / BUCKET_MS) + 1) * BUCKET_MS;
        if (hourEnd <= o.horizon) keys.delete(key);
        else if (times.length > 1) {
          const kept = times.filter((t) => t >= o.horizon);
          keys.set(key, kept.length > 0 ? kept : [latest]);
        }
      }
    }
  }
  return keys;
}

describe('EventKeyIndex (property: equals a plain map of accepted times)', () => {
  it('answers every lookup, lists every key, and forgets whole hours', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const index = newEventKeyIndex(4);
        for (const o of ops) {
          if (o.op === 'remember') rememberKey(index, o.type, o.id, o.time);
          else forgetBefore(index, o.horizon);
        }
        const expected = model(ops);
        expect(index.size).toBe(expected.size);
        for (const [key, times] of expected) {
          const [type, id] = JSON.parse(key) as [EventType, string];
          const found = acceptedTimes(index, type, id);
          expect([key, typeof found === 'number' ? [found] : [...(found ?? [])]]).toEqual([
            key,
            times.length === 1 ? times : [...times],
          ]);
        }
        const listed = new Map(
          [...indexedKeys(index)].map((k) => [
            JSON.stringify([k.eventType, k.eventId]),
            [...k.times],
          ]),
        );
        expect(listed).toEqual(expected);
        // a key never remembered is not found, whatever its hash collides with
        for (const o of ops)
          if (o.op === 'remember' && !expected.has(JSON.stringify([o.type, `${o.id}\u0000`])))
            expect(acceptedTimes(index, o.type, `${o.id}\u0000`)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('keeps distinct ids distinct: lone surrogates, NUL, and Latin-1 look-alikes', () => {
    const index = newEventKeyIndex();
    const tricky = ['a\ud800', 'a\udc00', 'a\ufffd', 'a', 'a\u0000', '\u00e9', 'e\u0301', '\u0100'];
    tricky.forEach((id, i) => rememberKey(index, 'click', id, T0 + i));
    tricky.forEach((id, i) => expect(acceptedTimes(index, 'click', id)).toBe(T0 + i));
    expect(index.size).toBe(tricky.length);
    expect(acceptedTimes(index, 'impression', 'a')).toBeUndefined();
  });
});
