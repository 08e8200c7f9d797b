import { bucketOf, BUCKET_MS } from './watermark';

/**
 * Impressions or clicks per (user, campaign), each list sorted by (time, id) so "latest at or
 * before t" is a binary search and ties break the same way whatever the arrival order.
 */
export interface TouchRef {
  readonly id: string;
  readonly time: number;
}

export interface TouchIndex {
  readonly byAudience: Map<string, TouchRef[]>;
  /** id → audience key, for explicit references */
  readonly audienceById: Map<string, string>;
  /** hour bucket → audience keys with a touch in it, so expiry visits only what can expire */
  readonly buckets: Map<number, string[]>;
}

export const audienceKey = (userId: string, campaignId: string): string =>
  `${userId}\u0000${campaignId}`;

export function emptyTouchIndex(): TouchIndex {
  return { byAudience: new Map(), audienceById: new Map(), buckets: new Map() };
}

function before(a: TouchRef, time: number, id: string): boolean {
  return a.time < time || (a.time === time && a.id < id);
}

export function addTouch(index: TouchIndex, audience: string, touch: TouchRef): void {
  let list = index.byAudience.get(audience);
  if (!list) {
    list = [];
    index.byAudience.set(audience, list);
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid] as TouchRef, touch.time, touch.id)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, touch);
  index.audienceById.set(touch.id, audience);
  const bucket = bucketOf(touch.time);
  const keys = index.buckets.get(bucket);
  if (keys) keys.push(audience);
  else index.buckets.set(bucket, [audience]);
}

/** Touches of the audience with from <= time <= to, oldest first. */
export function touchesBetween(
  index: TouchIndex,
  audience: string,
  from: number,
  to: number,
): TouchRef[] {
  const list = index.byAudience.get(audience);
  if (!list) return [];
  return list.filter((t) => t.time >= from && t.time <= to);
}

export function latestBetween(
  index: TouchIndex,
  audience: string,
  from: number,
  to: number,
): TouchRef | undefined {
  const list = index.byAudience.get(audience);
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const t = list[i] as TouchRef;
    if (t.time > to) continue;
    return t.time >= from ? t : undefined;
  }
  return undefined;
}

export function findTouch(
  index: TouchIndex,
  id: string,
): { audience: string; touch: TouchRef } | undefined {
  const audience = index.audienceById.get(id);
  if (audience === undefined) return undefined;
  const touch = index.byAudience.get(audience)?.find((t) => t.id === id);
  return touch ? { audience, touch } : undefined;
}

/** Drops touches older than cutoff; buckets are visited in time order so the walk stops early. */
export function expireTouches(index: TouchIndex, cutoff: number): void {
  if (index.buckets.size === 0) return;
  const due = [...index.buckets.keys()].filter((b) => (b + 1) * BUCKET_MS <= cutoff);
  for (const bucket of due) {
    for (const audience of index.buckets.get(bucket) ?? []) {
      const list = index.byAudience.get(audience);
      if (!list) continue;
      let drop = 0;
      while (drop < list.length && (list[drop] as TouchRef).time < cutoff) {
        index.audienceById.delete((list[drop] as TouchRef).id);
        drop++;
      }
      if (drop === list.length) index.byAudience.delete(audience);
      else if (drop > 0) list.splice(0, drop);
    }
    index.buckets.delete(bucket);
  }
}
