import { EVENT_TYPES, type EventType } from './ad-event';
import { emptySlotFor, makeRoom, newHashSlots, removeSlot, type HashSlots } from './hash-slots';
import {
  hashStored,
  hashText,
  newKeyArena,
  readText,
  storedEnd,
  storedEquals,
  storedTag,
  writeText,
  type KeyArena,
} from './text-arena';
import { bucketOf, BUCKET_MS } from './watermark';

export type { KeyArena } from './text-arena';

/**
 * The accepted (eventType, eventId) keys of one group with their event times: dedupe's memory.
 * It holds every key of the retention window (7 days), so it is built for size and for a garbage
 * collector that should not have to look at it: an open-addressing hash table in one typed array
 * (16 bytes a slot, a slot's four words side by side so a probe touches one cache line), the keys'
 * characters in one text arena per hour of event time (see text-arena). A whole hour is forgotten
 * at once by dropping its arena. No general-purpose library keeps string keys off the JS heap like
 * this; Map<string, number> costs ~90 bytes a key and millions of GC-visible objects.
 *
 * A key accepted again once the retention of its first time had passed keeps every time (rare;
 * a side map): a duplicate is judged against each of them.
 */
export interface EventKeyIndex extends HashSlots {
  /**
   * SLOT words a slot: [HASH] 0 = empty, else the key's hash with the low bit set; [BUCKET] hour
   * bucket of the key's latest time (where its characters live, as int32); [OFFSET] latest time -
   * bucket start, ms (< 3,600,000); [POSITION] where the key starts in its bucket's arena
   */
  slots: Uint32Array;
  readonly arenas: Map<number, KeyArena>;
  /** `eventType:eventId` → every accepted time, for keys accepted more than once */
  readonly reused: Map<string, number[]>;
}

const INITIAL_CAPACITY = 1024;
const SLOT = 4;
const HASH = 0;
const BUCKET = 1;
const OFFSET = 2;
const POSITION = 3;
/** the arena tag of a key is its event type's code */
const TYPE_CODE: Readonly<Record<EventType, number>> = {
  impression: 0,
  click: 1,
  conversion: 2,
  bid_request: 3,
};

export function newEventKeyIndex(capacity = INITIAL_CAPACITY): EventKeyIndex {
  return { ...newHashSlots(capacity, SLOT), arenas: new Map(), reused: new Map() };
}

/** The slot whose key is stored at this place, or -1 when the key has moved on (or is gone). */
function slotOfStored(index: EventKeyIndex, hash: number, bucket: number, at: number): number {
  const mask = index.capacity - 1;
  const slots = index.slots;
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const h = slots[i * SLOT + HASH] as number;
    if (h === 0) return -1;
    if (
      h === hash &&
      ((slots[i * SLOT + BUCKET] as number) | 0) === bucket &&
      slots[i * SLOT + POSITION] === at
    )
      return i;
  }
}

function findSlot(index: EventKeyIndex, type: number, id: string, hash: number): number {
  const mask = index.capacity - 1;
  const slots = index.slots;
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const h = slots[i * SLOT + HASH] as number;
    if (h === 0) return -1;
    if (h === hash) {
      const arena = index.arenas.get((slots[i * SLOT + BUCKET] as number) | 0) as KeyArena;
      if (storedEquals(arena.bytes, slots[i * SLOT + POSITION] as number, type, id)) return i;
    }
  }
}

const timeAt = (index: EventKeyIndex, slot: number): number =>
  ((index.slots[slot * SLOT + BUCKET] as number) | 0) * BUCKET_MS +
  (index.slots[slot * SLOT + OFFSET] as number);

const reusedKey = (type: EventType, id: string): string => `${type}:${id}`;

/** The event time(s) the key was accepted with, or undefined. */
export function acceptedTimes(
  index: EventKeyIndex,
  type: EventType,
  id: string,
): number | readonly number[] | undefined {
  const code = TYPE_CODE[type];
  const slot = findSlot(index, code, id, hashText(code, id));
  if (slot < 0) return undefined;
  if (index.reused.size > 0) {
    const all = index.reused.get(reusedKey(type, id));
    if (all) return all;
  }
  return timeAt(index, slot);
}

function arenaFor(index: EventKeyIndex, bucket: number): KeyArena {
  let arena = index.arenas.get(bucket);
  if (!arena) index.arenas.set(bucket, (arena = newKeyArena()));
  return arena;
}

function place(index: EventKeyIndex, slot: number, type: number, id: string, time: number): void {
  const bucket = bucketOf(time);
  index.slots[slot * SLOT + BUCKET] = bucket;
  index.slots[slot * SLOT + OFFSET] = time - bucket * BUCKET_MS;
  index.slots[slot * SLOT + POSITION] = writeText(arenaFor(index, bucket), type, id);
}

/** Records an accepted key at an event time (a key seen before keeps all of its times). */
export function rememberKey(index: EventKeyIndex, type: EventType, id: string, time: number): void {
  const code = TYPE_CODE[type];
  const hash = hashText(code, id);
  const slot = findSlot(index, code, id, hash);
  if (slot >= 0) {
    const before = timeAt(index, slot);
    const key = reusedKey(type, id);
    const times = index.reused.get(key) ?? [before];
    times.push(time);
    index.reused.set(key, times);
    // the slot follows the latest time, so its characters outlive every earlier hour
    if (time > before) place(index, slot, code, id, time);
    return;
  }
  makeRoom(index, SLOT);
  const i = emptySlotFor(index, SLOT, hash);
  index.slots[i * SLOT + HASH] = hash;
  place(index, i, code, id, time);
  index.size++;
}

/** Forgets every hour that ends at or before `horizon`, and earlier times of reused keys. */
export function forgetBefore(index: EventKeyIndex, horizon: number): void {
  for (const [bucket, arena] of index.arenas) {
    if ((bucket + 1) * BUCKET_MS > horizon) continue;
    for (let at = 0; at < arena.used; at = storedEnd(arena.bytes, at)) {
      // a key accepted again later has moved to a newer hour
      const slot = slotOfStored(index, hashStored(arena.bytes, at), bucket, at);
      if (slot >= 0) removeSlot(index, SLOT, slot);
    }
    index.arenas.delete(bucket);
  }
  for (const [key, times] of index.reused) {
    const kept = times.filter((t) => t >= horizon);
    if (kept.length > 1) index.reused.set(key, kept);
    else index.reused.delete(key);
  }
}

export interface IndexedKey {
  readonly eventType: EventType;
  readonly eventId: string;
  readonly times: readonly number[];
}

/** Every key with its times, hour by hour (for snapshots and for comparing states). */
export function* indexedKeys(index: EventKeyIndex): Generator<IndexedKey> {
  for (const [bucket, arena] of index.arenas) {
    for (let at = 0; at < arena.used; at = storedEnd(arena.bytes, at)) {
      const slot = slotOfStored(index, hashStored(arena.bytes, at), bucket, at);
      if (slot < 0) continue;
      const eventType = EVENT_TYPES[storedTag(arena.bytes, at)] as EventType;
      const eventId = readText(arena.bytes, at);
      const all = index.reused.get(reusedKey(eventType, eventId));
      yield { eventType, eventId, times: all ?? [timeAt(index, slot)] };
    }
  }
}

/** Bytes the index holds in typed arrays (its resident size, give or take the small maps). */
export function indexBytes(index: EventKeyIndex): number {
  let bytes = index.capacity * 16;
  for (const arena of index.arenas.values()) bytes += arena.bytes.byteLength;
  return bytes;
}
