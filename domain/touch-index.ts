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
  /** hour bucket → audience keys with a touch in it, so expiry visits only what can expire */
  readonly buckets: Map<number, string[]>;
}

export const audienceKey = (userId: string, campaignId: string): string =>
  `${userId}\u0000${campaignId}`;

export function emptyTouchIndex(): TouchIndex {
  return { byAudience: new Map(), buckets: new Map() };
}

function before(a: TouchRef, time: number, id: string): boolean {
  return a.time < time || (a.time === time && a.id < id);
}

export function addTouch(index: TouchIndex, audience: string, touch: TouchRef): void {
  const list = index.byAudience.get(audience);
  if (!list) {
    // most audiences have a single touch in the window: an array literal is sized for it, where
    // an empty array that grows would reserve 17 slots
    index.byAudience.set(audience, [touch]);
    indexBucket(index, audience, touch);
    return;
  }
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(list[mid] as TouchRef, touch.time, touch.id)) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, touch);
  indexBucket(index, audience, touch);
}

function indexBucket(index: TouchIndex, audience: string, touch: TouchRef): void {
  const bucket = bucketOf(touch.time);
  const keys = index.buckets.get(bucket);
  if (keys) keys.push(audience);
  else index.buckets.set(bucket, [audience]);
}

/** The earliest touch of the audience with from <= time <= to, ties broken by id. */
export function earliestBetween(
  index: TouchIndex,
  audience: string,
  from: number,
  to: number,
): TouchRef | undefined {
  const list = index.byAudience.get(audience);
  if (!list) return undefined;
  for (const t of list) {
    if (t.time < from) continue;
    return t.time <= to ? t : undefined;
  }
  return undefined;
}

/** The latest touch of the audience with from <= time <= to, ties broken by id. */
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

/**
 * The touch of the audience with this id and from <= time <= to (the latest, should an id have been
 * accepted twice, further apart than the dedupe retention). Only the audience's own touches are
 * searched: a reference to another user's or campaign's impression is not a credit.
 */
export function namedTouch(
  index: TouchIndex,
  audience: string,
  id: string,
  from: number,
  to: number,
): TouchRef | undefined {
  const list = index.byAudience.get(audience);
  if (!list) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const t = list[i] as TouchRef;
    if (t.time < from) return undefined;
    if (t.time <= to && t.id === id) return t;
  }
  return undefined;
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
      while (drop < list.length && (list[drop] as TouchRef).time < cutoff) drop++;
      if (drop === list.length) index.byAudience.delete(audience);
      else if (drop > 0) list.splice(0, drop);
    }
    index.buckets.delete(bucket);
  }
}

/** Drops every touch older than cutoff, whatever its hour (a walk over every audience). */
export function dropTouchesBefore(index: TouchIndex, cutoff: number): void {
  expireTouches(index, cutoff);
  for (const [audience, list] of index.byAudience) {
    let drop = 0;
    while (drop < list.length && (list[drop] as TouchRef).time < cutoff) drop++;
    if (drop === list.length) index.byAudience.delete(audience);
    else if (drop > 0) list.splice(0, drop);
  }
}
