import {
  audienceHash,
  audienceText,
  compareId,
  findAudience,
  freeTouch,
  idEquals,
  isAudience,
  newAudience,
  newestOf,
  newTouch,
  NONE,
  olderThan,
  ownerOf,
  removeAudience,
  setNewest,
  setOlder,
  timeOf,
  touchRef,
  type TouchIndex,
  type TouchRef,
} from './touch-records';
import { bucketOf, BUCKET_MS } from './watermark';

export { emptyTouchIndex, touchIndexBytes, type TouchIndex, type TouchRef } from './touch-records';

/**
 * Impressions or clicks per audience (user, campaign), each audience's touches in (time, id) order
 * so that "latest at or before t" is a short walk and ties break the same way whatever the arrival
 * order. The list runs newest first: touches mostly arrive in time order, so adding one is a push
 * at its head, and attribution mostly wants the latest. The storage is touch-records.ts.
 */
export const audienceKey = (userId: string, campaignId: string): string =>
  `${userId}\u0000${campaignId}`;

export function addTouch(index: TouchIndex, audience: string, touch: TouchRef): void {
  const hash = audienceHash(audience);
  let owner = findAudience(index, audience, hash);
  if (owner === NONE) owner = newAudience(index, audience, hash);
  const record = newTouch(index, owner, touch);
  // after every touch later than it, and after an equal (time, id) already held: where a sorted
  // array's binary search would insert it
  let later = NONE;
  let next = newestOf(index, owner);
  while (next !== NONE) {
    const time = timeOf(index, next);
    if (time < touch.time || (time === touch.time && compareId(index, next, touch.id) < 0)) break;
    later = next;
    next = olderThan(index, next);
  }
  setOlder(index, record, next);
  if (later === NONE) setNewest(index, owner, record);
  else setOlder(index, later, record);
}

/** The earliest touch of the audience with from <= time <= to, ties broken by id. */
export function earliestBetween(
  index: TouchIndex,
  audience: string,
  from: number,
  to: number,
): TouchRef | undefined {
  const owner = findAudience(index, audience, audienceHash(audience));
  if (owner === NONE) return undefined;
  let earliest = NONE;
  for (let t = newestOf(index, owner); t !== NONE; t = olderThan(index, t)) {
    if (timeOf(index, t) < from) break;
    earliest = t;
  }
  return earliest !== NONE && timeOf(index, earliest) <= to ? touchRef(index, earliest) : undefined;
}

/** The latest touch of the audience with from <= time <= to, ties broken by id. */
export function latestBetween(
  index: TouchIndex,
  audience: string,
  from: number,
  to: number,
): TouchRef | undefined {
  const owner = findAudience(index, audience, audienceHash(audience));
  if (owner === NONE) return undefined;
  for (let t = newestOf(index, owner); t !== NONE; t = olderThan(index, t)) {
    const time = timeOf(index, t);
    if (time > to) continue;
    return time >= from ? touchRef(index, t) : undefined;
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
  const owner = findAudience(index, audience, audienceHash(audience));
  if (owner === NONE) return undefined;
  for (let t = newestOf(index, owner); t !== NONE; t = olderThan(index, t)) {
    const time = timeOf(index, t);
    if (time < from) return undefined;
    if (time <= to && idEquals(index, t, id)) return { id, time };
  }
  return undefined;
}

/** Drops the audience's touches older than cutoff (its list's tail), and it when none is left. */
function dropOlder(index: TouchIndex, owner: number, cutoff: number): void {
  let kept = NONE;
  let t = newestOf(index, owner);
  while (t !== NONE && timeOf(index, t) >= cutoff) {
    kept = t;
    t = olderThan(index, t);
  }
  if (t === NONE) return;
  if (kept === NONE) removeAudience(index, owner);
  else setOlder(index, kept, NONE);
  while (t !== NONE) {
    const next = olderThan(index, t);
    freeTouch(index, t);
    t = next;
  }
}

/**
 * Drops touches older than cutoff, visiting only the hours that have ended by then: every audience
 * with a touch in one of them loses all of its touches before cutoff, and those hours go whole.
 * Touches of the current hour before cutoff may stay (of audiences with nothing older).
 */
export function expireTouches(index: TouchIndex, cutoff: number): void {
  for (const [bucket, hour] of index.hours) {
    if ((bucket + 1) * BUCKET_MS > cutoff) continue;
    for (let k = 0; k < hour.count; k++) {
      const t = hour.touches[k] as number;
      const owner = ownerOf(index, t);
      // a record freed by an earlier drop may hold a touch of another hour since
      if (owner !== NONE && bucketOf(timeOf(index, t)) === bucket) dropOlder(index, owner, cutoff);
    }
    index.hours.delete(bucket);
  }
}

/** Drops every touch older than cutoff, whatever its hour (a walk over every audience). */
export function dropTouchesBefore(index: TouchIndex, cutoff: number): void {
  expireTouches(index, cutoff);
  for (let a = 0; a < index.audiencesUsed; a++)
    if (isAudience(index, a)) dropOlder(index, a, cutoff);
}

export interface AudienceTouches {
  readonly audience: string;
  /** oldest first */
  readonly touches: readonly TouchRef[];
}

/** Every audience with its touches (for snapshots and for comparing states). */
export function* audienceTouches(index: TouchIndex): Generator<AudienceTouches> {
  for (let a = 0; a < index.audiencesUsed; a++) {
    if (!isAudience(index, a)) continue;
    const touches: TouchRef[] = [];
    for (let t = newestOf(index, a); t !== NONE; t = olderThan(index, t))
      touches.push(touchRef(index, t));
    yield { audience: audienceText(index, a), touches: touches.reverse() };
  }
}
