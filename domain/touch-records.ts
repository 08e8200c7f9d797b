import { emptySlotFor, makeRoom, newHashSlots, removeSlot, type HashSlots } from './hash-slots';
import {
  compareStored,
  copyStored,
  hashText,
  newKeyArena,
  readText,
  storedEnd,
  storedEquals,
  writeText,
  type KeyArena,
} from './text-arena';
import { bucketOf } from './watermark';

/** An impression or click as attribution sees it. */
export interface TouchRef {
  readonly id: string;
  readonly time: number;
}

/**
 * The touch index's storage (touch-index.ts keeps the order and the expiry): records in typed
 * arrays, referred to by number, so that a day of touches is a few arrays to a garbage collector
 * rather than millions of objects.
 * - audiences in an open-addressing table (see hash-slots) pointing at stable audience records;
 * - touches in a pool of records, each linked to the next older touch of its audience;
 * - touch ids in one text arena per hour of event time, with the list of the hour's touches, so
 *   that expiry visits only the hours that have ended and drops each whole;
 * - audience keys in one text arena, written once for the audience's life (hours or days), and
 *   compacted when it is full rather than grown while much of it is keys of audiences gone.
 * Freed records are reused through free lists (chained through NEWEST and OLDER).
 */
export interface TouchIndex extends HashSlots {
  /** [HASH, AUDIENCE] a slot; `size` counts audiences */
  slots: Uint32Array;
  /**
   * AUDIENCE_WORDS a record: [KEY_AT] where its key is in `keys`; [NEWEST] its newest touch;
   * [A_HASH] its hash, 0 while the record is free
   */
  audiences: Uint32Array;
  audiencesUsed: number;
  freeAudience: number;
  keys: KeyArena;
  /** bytes of `keys` that belong to no audience any more */
  deadKeyBytes: number;
  /**
   * TOUCH_WORDS a record: [OLDER] the audience's next older touch (NONE: the last); [OWNER] its
   * audience (NONE while the record is free); [ID_AT] where its id is in its hour's arena.
   * The time is in `times`, a float64 each.
   */
  touches: Uint32Array;
  times: Float64Array;
  touchesUsed: number;
  freeTouch: number;
  /** touches held */
  count: number;
  readonly hours: Map<number, TouchHour>;
}

/** One hour of event time: the characters stored in it and the touches whose time is in it. */
export interface TouchHour {
  readonly text: KeyArena;
  touches: Uint32Array;
  count: number;
}

export const NONE = 0xffffffff;
const SLOT = 2;
const AUDIENCE = 1;
const AUDIENCE_WORDS = 3;
const KEY_AT = 0;
const NEWEST = 1;
const A_HASH = 2;
const TOUCH_WORDS = 3;
const OLDER = 0;
const OWNER = 1;
const ID_AT = 2;
const AUDIENCE_TAG = 0;
const ID_TAG = 1;
const INITIAL = 64;
/** the keys' arena is made this much larger than what it holds when it is full */
const KEY_SLACK = 1.5;

export function emptyTouchIndex(): TouchIndex {
  return {
    ...newHashSlots(INITIAL * 2, SLOT),
    audiences: new Uint32Array(INITIAL * AUDIENCE_WORDS),
    audiencesUsed: 0,
    freeAudience: NONE,
    keys: newKeyArena(),
    deadKeyBytes: 0,
    touches: new Uint32Array(INITIAL * TOUCH_WORDS),
    times: new Float64Array(INITIAL),
    touchesUsed: 0,
    freeTouch: NONE,
    count: 0,
    hours: new Map(),
  };
}

function doubled<T extends Uint32Array | Float64Array>(array: T, make: (n: number) => T): T {
  const grown = make(array.length * 2);
  grown.set(array);
  return grown;
}

function hourOf(index: TouchIndex, hour: number): TouchHour {
  let found = index.hours.get(hour);
  if (!found) {
    found = { text: newKeyArena(), touches: new Uint32Array(16), count: 0 };
    index.hours.set(hour, found);
  }
  return found;
}

export const timeOf = (index: TouchIndex, touch: number): number => index.times[touch] as number;

export const olderThan = (index: TouchIndex, touch: number): number =>
  index.touches[touch * TOUCH_WORDS + OLDER] as number;

export const newestOf = (index: TouchIndex, audience: number): number =>
  index.audiences[audience * AUDIENCE_WORDS + NEWEST] as number;

export const ownerOf = (index: TouchIndex, touch: number): number =>
  index.touches[touch * TOUCH_WORDS + OWNER] as number;

export const isAudience = (index: TouchIndex, record: number): boolean =>
  index.audiences[record * AUDIENCE_WORDS + A_HASH] !== 0;

export function setOlder(index: TouchIndex, touch: number, next: number): void {
  index.touches[touch * TOUCH_WORDS + OLDER] = next;
}

export function setNewest(index: TouchIndex, audience: number, touch: number): void {
  index.audiences[audience * AUDIENCE_WORDS + NEWEST] = touch;
}

/** The arena holding a touch's id: its hour's, which lives as long as the touch. */
const idBytes = (index: TouchIndex, touch: number): Uint8Array =>
  (index.hours.get(bucketOf(timeOf(index, touch))) as TouchHour).text.bytes;

const idAt = (index: TouchIndex, touch: number): number =>
  index.touches[touch * TOUCH_WORDS + ID_AT] as number;

export const touchRef = (index: TouchIndex, touch: number): TouchRef => ({
  id: readText(idBytes(index, touch), idAt(index, touch)),
  time: timeOf(index, touch),
});

export const idEquals = (index: TouchIndex, touch: number, id: string): boolean =>
  storedEquals(idBytes(index, touch), idAt(index, touch), ID_TAG, id);

/** The touch's id against another in JavaScript's string order: <0, 0, >0 */
export const compareId = (index: TouchIndex, touch: number, id: string): number =>
  compareStored(idBytes(index, touch), idAt(index, touch), id);

const keyAt = (index: TouchIndex, audience: number): number =>
  index.audiences[audience * AUDIENCE_WORDS + KEY_AT] as number;

export const audienceText = (index: TouchIndex, audience: number): string =>
  readText(index.keys.bytes, keyAt(index, audience));

export const audienceHash = (audience: string): number => hashText(AUDIENCE_TAG, audience);

/** The audience's record, or NONE. */
export function findAudience(index: TouchIndex, audience: string, hash: number): number {
  const mask = index.capacity - 1;
  const slots = index.slots;
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const h = slots[i * SLOT] as number;
    if (h === 0) return NONE;
    if (h !== hash) continue;
    const record = slots[i * SLOT + AUDIENCE] as number;
    if (storedEquals(index.keys.bytes, keyAt(index, record), AUDIENCE_TAG, audience)) return record;
  }
}

/** A record for a new audience, with no touch yet. */
export function newAudience(index: TouchIndex, audience: string, hash: number): number {
  // first: compacting visits the live records, and this one is not yet
  roomForKey(index, 6 + audience.length * 2);
  let record = index.freeAudience;
  if (record !== NONE) index.freeAudience = newestOf(index, record);
  else {
    record = index.audiencesUsed++;
    if (record * AUDIENCE_WORDS >= index.audiences.length)
      index.audiences = doubled(index.audiences, (n) => new Uint32Array(n));
  }
  makeRoom(index, SLOT);
  const slot = emptySlotFor(index, SLOT, hash);
  index.slots[slot * SLOT] = hash;
  index.slots[slot * SLOT + AUDIENCE] = record;
  index.size++;
  index.audiences[record * AUDIENCE_WORDS + A_HASH] = hash;
  index.audiences[record * AUDIENCE_WORDS + NEWEST] = NONE;
  index.audiences[record * AUDIENCE_WORDS + KEY_AT] = writeText(index.keys, AUDIENCE_TAG, audience);
  return record;
}

/** A record for a touch of the audience, listed in its hour and linked to nothing yet. */
export function newTouch(index: TouchIndex, owner: number, touch: TouchRef): number {
  let record = index.freeTouch;
  if (record !== NONE) index.freeTouch = olderThan(index, record);
  else {
    record = index.touchesUsed++;
    if (record >= index.times.length) {
      index.times = doubled(index.times, (n) => new Float64Array(n));
      index.touches = doubled(index.touches, (n) => new Uint32Array(n));
    }
  }
  const hour = hourOf(index, bucketOf(touch.time));
  index.times[record] = touch.time;
  index.touches[record * TOUCH_WORDS + OLDER] = NONE;
  index.touches[record * TOUCH_WORDS + OWNER] = owner;
  index.touches[record * TOUCH_WORDS + ID_AT] = writeText(hour.text, ID_TAG, touch.id);
  if (hour.count === hour.touches.length)
    hour.touches = doubled(hour.touches, (n) => new Uint32Array(n));
  hour.touches[hour.count++] = record;
  index.count++;
  return record;
}

/** Frees a touch (its id's characters stay in its hour's arena until the hour is dropped). */
export function freeTouch(index: TouchIndex, touch: number): void {
  index.touches[touch * TOUCH_WORDS + OWNER] = NONE;
  index.touches[touch * TOUCH_WORDS + OLDER] = index.freeTouch;
  index.freeTouch = touch;
  index.count--;
}

/** Frees an audience record whose touches are all freed. */
export function removeAudience(index: TouchIndex, record: number): void {
  const hash = index.audiences[record * AUDIENCE_WORDS + A_HASH] as number;
  const mask = index.capacity - 1;
  let slot = hash & mask;
  while (index.slots[slot * SLOT] !== hash || index.slots[slot * SLOT + AUDIENCE] !== record)
    slot = (slot + 1) & mask;
  removeSlot(index, SLOT, slot);
  index.audiences[record * AUDIENCE_WORDS + A_HASH] = 0;
  index.audiences[record * AUDIENCE_WORDS + NEWEST] = index.freeAudience;
  index.freeAudience = record;
  const at = keyAt(index, record);
  index.deadKeyBytes += storedEnd(index.keys.bytes, at) - at;
}

/**
 * A full arena of keys is replaced by one holding only the live keys, with KEY_SLACK room: its
 * size follows the audiences held (not the most ever written), and each compaction's copying is
 * paid for by the writes since the last, two bytes copied a byte written.
 */
function roomForKey(index: TouchIndex, need: number): void {
  const old = index.keys;
  if (old.used + need <= old.bytes.length) return;
  const live = old.used - index.deadKeyBytes;
  const keys = { bytes: new Uint8Array(Math.ceil((live + need) * KEY_SLACK) + 256), used: 0 };
  for (let a = 0; a < index.audiencesUsed; a++)
    if (isAudience(index, a))
      index.audiences[a * AUDIENCE_WORDS + KEY_AT] = copyStored(old.bytes, keyAt(index, a), keys);
  index.keys = keys;
  index.deadKeyBytes = 0;
}

/** Bytes the index holds in typed arrays (its resident size, give or take the small map). */
export function touchIndexBytes(index: TouchIndex): number {
  let bytes =
    index.slots.byteLength +
    index.audiences.byteLength +
    index.touches.byteLength +
    index.times.byteLength +
    index.keys.bytes.byteLength;
  for (const hour of index.hours.values())
    bytes += hour.text.bytes.byteLength + hour.touches.byteLength;
  return bytes;
}
