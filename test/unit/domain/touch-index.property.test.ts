import fc from 'fast-check';
import {
  addTouch,
  audienceTouches,
  dropTouchesBefore,
  earliestBetween,
  emptyTouchIndex,
  expireTouches,
  latestBetween,
  namedTouch,
  type TouchRef,
} from '../../../domain/touch-index';
import { BUCKET_MS } from '../../../domain/watermark';

type Op =
  | { op: 'add'; audience: string; id: string; time: number }
  | { op: 'expire'; cutoff: number }
  | { op: 'drop'; cutoff: number }
  | { op: 'query'; audience: string; id: string; from: number; to: number };

const T0 = Date.UTC(2026, 0, 1);
const SPAN = 6 * BUCKET_MS;
// few audiences and ids, and times on a coarse grid, so that audiences hold several touches and
// equal times are common (ties break by id)
const audiences = fc.constantFrom(
  'u1\u0000c1',
  'u1\u0000c2',
  'u2\u0000c1',
  'ü\u0000c1',
  'ŭ\u0000c1',
);
const ids = fc.oneof(
  fc.constantFrom('imp-1', 'imp-2', 'imp-10', 'clk-1', '', 'a\ud800', 'a\u00e9', 'a\u0100'),
  fc.string({ maxLength: 6 }),
);
const time = fc.oneof(
  fc.integer({ min: 0, max: SPAN / (15 * 60_000) }).map((k) => T0 + k * 15 * 60_000),
  fc.integer({ min: T0, max: T0 + SPAN }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({ op: fc.constant('add' as const), audience: audiences, id: ids, time }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('expire' as const), cutoff: time }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('drop' as const), cutoff: time }) },
  {
    weight: 4,
    arbitrary: fc
      .record({ audience: audiences, id: ids, a: time, b: time })
      .map(({ audience, id, a, b }) => ({
        op: 'query' as const,
        audience,
        id,
        from: Math.min(a, b),
        to: Math.max(a, b),
      })),
  },
);

const before = (a: TouchRef, b: TouchRef): boolean =>
  a.time < b.time || (a.time === b.time && a.id < b.id);
const hourEnd = (t: number): number => (Math.floor(t / BUCKET_MS) + 1) * BUCKET_MS;

/** The plain model: a sorted array per audience, expiry by the rule the index documents. */
class Model {
  readonly lists = new Map<string, TouchRef[]>();

  add(audience: string, touch: TouchRef): void {
    const list = this.lists.get(audience) ?? [];
    const at = list.findIndex((t) => !before(t, touch));
    list.splice(at < 0 ? list.length : at, 0, touch);
    this.lists.set(audience, list);
  }

  /** audiences with a touch in an hour that has ended by cutoff lose every touch before it */
  expire(cutoff: number, everyAudience = false): void {
    for (const [audience, list] of this.lists) {
      if (!everyAudience && !list.some((t) => hourEnd(t.time) <= cutoff)) continue;
      const kept = list.filter((t) => t.time >= cutoff);
      if (kept.length > 0) this.lists.set(audience, kept);
      else this.lists.delete(audience);
    }
  }

  private descending(audience: string): TouchRef[] {
    return [...(this.lists.get(audience) ?? [])].reverse();
  }

  earliest(audience: string, from: number, to: number): TouchRef | undefined {
    const t = (this.lists.get(audience) ?? []).find((x) => x.time >= from);
    return t && t.time <= to ? t : undefined;
  }

  latest(audience: string, from: number, to: number): TouchRef | undefined {
    const t = this.descending(audience).find((x) => x.time <= to);
    return t && t.time >= from ? t : undefined;
  }

  named(audience: string, id: string, from: number, to: number): TouchRef | undefined {
    return this.descending(audience).find((x) => x.id === id && x.time >= from && x.time <= to);
  }
}

describe('TouchIndex (property: equals a map of sorted arrays)', () => {
  it('answers every query, lists every touch in order, and expires the same touches', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const index = emptyTouchIndex();
        const model = new Model();
        for (const o of ops) {
          if (o.op === 'add') {
            addTouch(index, o.audience, { id: o.id, time: o.time });
            model.add(o.audience, { id: o.id, time: o.time });
          } else if (o.op === 'expire') {
            expireTouches(index, o.cutoff);
            model.expire(o.cutoff);
          } else if (o.op === 'drop') {
            dropTouchesBefore(index, o.cutoff);
            model.expire(o.cutoff, true);
          } else {
            const { audience, id, from, to } = o;
            expect([
              earliestBetween(index, audience, from, to),
              latestBetween(index, audience, from, to),
              namedTouch(index, audience, id, from, to),
            ]).toEqual([
              model.earliest(audience, from, to),
              model.latest(audience, from, to),
              model.named(audience, id, from, to),
            ]);
          }
        }
        const listed = new Map([...audienceTouches(index)].map((a) => [a.audience, a.touches]));
        expect(listed).toEqual(model.lists);
        expect(index.size).toBe(model.lists.size);
        expect(index.count).toBe([...model.lists.values()].reduce((n, l) => n + l.length, 0));
      }),
      { numRuns: 400 },
    );
  });
});

describe('TouchIndex', () => {
  it('drops an hour whole once it has ended, and reuses the records it freed', () => {
    const index = emptyTouchIndex();
    for (let hour = 0; hour < 48; hour++) {
      for (let i = 0; i < 200; i++)
        addTouch(index, `u${i % 50}\u0000c1`, {
          id: `imp-${hour}-${i}`,
          time: T0 + hour * BUCKET_MS + i,
        });
      expireTouches(index, T0 + (hour - 2) * BUCKET_MS);
    }
    expect([...index.hours.keys()].map((b) => b * BUCKET_MS - T0)).toEqual(
      [45, 46, 47].map((h) => h * BUCKET_MS),
    );
    expect(index.count).toBe(600);
    // a steady state: the pools hold what three hours need, not what 48 did
    expect(index.touchesUsed).toBeLessThanOrEqual(800);
    expect(index.audiencesUsed).toBe(50);
  });

  it('expires by the touches an hour holds now, not by records it listed that were reused', () => {
    const index = emptyTouchIndex();
    const at = (hour: number, minute: number) => T0 + hour * BUCKET_MS + minute * 60_000;
    addTouch(index, 'x', { id: 'imp-1', time: at(0, 10) });
    addTouch(index, 'x', { id: 'imp-2', time: at(1, 10) });
    // hour 0 has ended: x loses both, and hour 1 stays with a freed record in its list
    expireTouches(index, at(1, 30));
    expect(index.count).toBe(0);
    addTouch(index, 'z', { id: 'imp-3', time: at(2, 5) });
    addTouch(index, 'y', { id: 'imp-4', time: at(2, 10) });
    expireTouches(index, at(2, 30));
    // nothing of y's was in an hour that had ended, so its touch before the cutoff stays
    expect(latestBetween(index, 'y', at(2, 0), at(2, 30))).toEqual({
      id: 'imp-4',
      time: at(2, 10),
    });
    expect(index.count).toBe(2);
  });

  it('compacts the keys of audiences gone when the arena is full, and finds every audience left', () => {
    const index = emptyTouchIndex();
    const audience = (i: number) => `user-${i}\u0000cmp-${i % 7}`;
    const add = (from: number, to: number, hour: number) => {
      for (let i = from; i < to; i++)
        addTouch(index, audience(i), { id: `imp-${i}`, time: T0 + hour * BUCKET_MS });
    };
    add(0, 6000, 0);
    add(6000, 8000, 5);
    const written = index.keys.used;
    expireTouches(index, T0 + BUCKET_MS);
    expect(index.deadKeyBytes).toBeGreaterThan(written / 2);
    // the arena fills again with new audiences: it is rewritten with the 2,000 left, not grown
    add(8000, 12_000, 6);
    expect(index.keys.bytes.length).toBeLessThan(written);
    expect(index.keys.used - index.deadKeyBytes).toBe(
      [...audienceTouches(index)].reduce((n, a) => n + 2 + a.audience.length, 0),
    );
    for (let i = 0; i < 12_000; i++)
      expect(latestBetween(index, audience(i), T0, T0 + 6 * BUCKET_MS)?.id).toBe(
        i < 6000 ? undefined : `imp-${i}`,
      );
    expect(new Set([...audienceTouches(index)].map((a) => a.audience))).toEqual(
      new Set(Array.from({ length: 6000 }, (_, k) => audience(6000 + k))),
    );
  });

  it('finds nothing for an audience that only shares a hash bucket or a prefix', () => {
    const index = emptyTouchIndex();
    addTouch(index, 'u1\u0000c1', { id: 'imp-1', time: T0 });
    expect(latestBetween(index, 'u1\u0000c1', T0, T0)).toEqual({ id: 'imp-1', time: T0 });
    for (const other of ['u1\u0000c', 'u1\u0000c1\u0000', 'u1\u0000c2', ''])
      expect(latestBetween(index, other, T0, T0)).toBeUndefined();
    expect(namedTouch(index, 'u1\u0000c1', 'imp-10', T0, T0)).toBeUndefined();
  });
});
