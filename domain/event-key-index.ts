import { EVENT_TYPES, type EventType } from './ad-event';
import { bucketOf, BUCKET_MS } from './watermark';

/**
 * The accepted (eventType, eventId) keys of one group with their event times: dedupe's memory.
 * It holds every key of the retention window (7 days), so it is built for size and for a garbage
 * collector that should not have to look at it: an open-addressing hash table in one typed array
 * (16 bytes a slot, a slot's four words side by side so a probe touches one cache line), the keys' characters in one byte arena per hour of event time (1 byte a
 * character for Latin-1 ids, 2 otherwise, so any string is kept exactly). A whole hour is
 * forgotten at once by dropping its arena. No general-purpose library keeps string keys off the
 * JS heap like this; Map<string, number> costs ~90 bytes a key and millions of GC-visible objects.
 *
 * A key accepted again once the retention of its first time had passed keeps every time (rare;
 * a side map): a duplicate is judged against each of them.
 */
export interface EventKeyIndex {
  capacity: number;
  size: number;
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

export interface KeyArena {
  bytes: Uint8Array;
  used: number;
}

const INITIAL_CAPACITY = 1024;
const SLOT = 4;
const HASH = 0;
const BUCKET = 1;
const OFFSET = 2;
const POSITION = 3;
const MAX_LOAD = 0.7;
const WIDE = 0x80;
const TYPE_CODE: Readonly<Record<EventType, number>> = {
  impression: 0,
  click: 1,
  conversion: 2,
  bid_request: 3,
};

export function newEventKeyIndex(capacity = INITIAL_CAPACITY): EventKeyIndex {
  return {
    capacity,
    size: 0,
    slots: new Uint32Array(capacity * SLOT),
    arenas: new Map(),
    reused: new Map(),
  };
}

/** murmur3's finalizer, with the low bit set so that 0 can mean "empty" */
function finish(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h | 1) >>> 0;
}

/** FNV-1a over the type code and the UTF-16 code units */
function hashKey(type: number, id: string): number {
  let h = Math.imul(0x811c9dc5 ^ type, 0x01000193);
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return finish(h);
}

function isLatin1(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (id.charCodeAt(i) > 0xff) return false;
  return true;
}

/** header (type | WIDE), length as a varint, then the characters */
function writeKey(arena: KeyArena, type: number, id: string): number {
  const wide = !isLatin1(id);
  const need = 6 + id.length * (wide ? 2 : 1);
  if (arena.used + need > arena.bytes.length) {
    const grown = new Uint8Array(Math.max(arena.bytes.length * 2, arena.used + need));
    grown.set(arena.bytes.subarray(0, arena.used));
    arena.bytes = grown;
  }
  const b = arena.bytes;
  const start = arena.used;
  let p = start;
  b[p++] = type | (wide ? WIDE : 0);
  let n = id.length;
  while (n >= 0x80) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    b[p++] = c & 0xff;
    if (wide) b[p++] = c >>> 8;
  }
  arena.used = p;
  return start;
}

interface StoredKey {
  readonly type: number;
  readonly id: string;
  /** the position just after the key */
  readonly end: number;
}

/** The stored key's hash (as hashKey computes it from the string) and where it ends. */
function hashAt(bytes: Uint8Array, at: number): { hash: number; end: number } {
  let p = at;
  const header = bytes[p++] as number;
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[p++] as number;
    n |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  const wide = (header & WIDE) !== 0;
  let h = Math.imul(0x811c9dc5 ^ (header & ~WIDE), 0x01000193);
  for (let i = 0; i < n; i++) {
    const c = wide ? (bytes[p] as number) | ((bytes[p + 1] as number) << 8) : (bytes[p] as number);
    p += wide ? 2 : 1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return { hash: finish(h), end: p };
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

function readKey(bytes: Uint8Array, at: number): StoredKey {
  let p = at;
  const header = bytes[p++] as number;
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[p++] as number;
    n |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  const wide = (header & WIDE) !== 0;
  let id = '';
  for (let i = 0; i < n; i++) {
    const c = wide ? (bytes[p] as number) | ((bytes[p + 1] as number) << 8) : (bytes[p] as number);
    p += wide ? 2 : 1;
    id += String.fromCharCode(c);
  }
  return { type: header & ~WIDE, id, end: p };
}

function keyEquals(bytes: Uint8Array, at: number, type: number, id: string): boolean {
  let p = at;
  const header = bytes[p++] as number;
  if ((header & ~WIDE) !== type) return false;
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[p++] as number;
    n |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  if (n !== id.length) return false;
  const wide = (header & WIDE) !== 0;
  for (let i = 0; i < n; i++) {
    const c = wide ? (bytes[p] as number) | ((bytes[p + 1] as number) << 8) : (bytes[p] as number);
    if (c !== id.charCodeAt(i)) return false;
    p += wide ? 2 : 1;
  }
  return true;
}

function findSlot(index: EventKeyIndex, type: number, id: string, hash: number): number {
  const mask = index.capacity - 1;
  const slots = index.slots;
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const h = slots[i * SLOT + HASH] as number;
    if (h === 0) return -1;
    if (h === hash) {
      const arena = index.arenas.get((slots[i * SLOT + BUCKET] as number) | 0) as KeyArena;
      if (keyEquals(arena.bytes, slots[i * SLOT + POSITION] as number, type, id)) return i;
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
  const slot = findSlot(index, code, id, hashKey(code, id));
  if (slot < 0) return undefined;
  if (index.reused.size > 0) {
    const all = index.reused.get(reusedKey(type, id));
    if (all) return all;
  }
  return timeAt(index, slot);
}

function arenaFor(index: EventKeyIndex, bucket: number): KeyArena {
  let arena = index.arenas.get(bucket);
  if (!arena) index.arenas.set(bucket, (arena = { bytes: new Uint8Array(256), used: 0 }));
  return arena;
}

function place(index: EventKeyIndex, slot: number, type: number, id: string, time: number): void {
  const bucket = bucketOf(time);
  index.slots[slot * SLOT + BUCKET] = bucket;
  index.slots[slot * SLOT + OFFSET] = time - bucket * BUCKET_MS;
  index.slots[slot * SLOT + POSITION] = writeKey(arenaFor(index, bucket), type, id);
}

function grow(index: EventKeyIndex): void {
  const old = index.slots;
  const oldCapacity = index.capacity;
  const capacity = oldCapacity * 2;
  index.capacity = capacity;
  const slots = (index.slots = new Uint32Array(capacity * SLOT));
  const mask = capacity - 1;
  for (let s = 0; s < oldCapacity; s++) {
    const h = old[s * SLOT + HASH] as number;
    if (h === 0) continue;
    let i = h & mask;
    while ((slots[i * SLOT + HASH] as number) !== 0) i = (i + 1) & mask;
    slots.set(old.subarray(s * SLOT, s * SLOT + SLOT), i * SLOT);
  }
}

/** Records an accepted key at an event time (a key seen before keeps all of its times). */
export function rememberKey(index: EventKeyIndex, type: EventType, id: string, time: number): void {
  const code = TYPE_CODE[type];
  const hash = hashKey(code, id);
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
  if (index.size + 1 > index.capacity * MAX_LOAD) grow(index);
  const mask = index.capacity - 1;
  let i = hash & mask;
  while ((index.slots[i * SLOT + HASH] as number) !== 0) i = (i + 1) & mask;
  index.slots[i * SLOT + HASH] = hash;
  place(index, i, code, id, time);
  index.size++;
}

/** Linear probing's deletion: later entries of the probe run shift back, so no tombstones. */
function removeSlot(index: EventKeyIndex, slot: number): void {
  const mask = index.capacity - 1;
  const slots = index.slots;
  let hole = slot;
  for (let j = (slot + 1) & mask; (slots[j * SLOT + HASH] as number) !== 0; j = (j + 1) & mask) {
    const home = (slots[j * SLOT + HASH] as number) & mask;
    const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
    if (stays) continue;
    slots.copyWithin(hole * SLOT, j * SLOT, j * SLOT + SLOT);
    hole = j;
  }
  slots[hole * SLOT + HASH] = 0;
  index.size--;
}

/** Forgets every hour that ends at or before `horizon`, and earlier times of reused keys. */
export function forgetBefore(index: EventKeyIndex, horizon: number): void {
  for (const [bucket, arena] of index.arenas) {
    if ((bucket + 1) * BUCKET_MS > horizon) continue;
    for (let at = 0; at < arena.used;) {
      const { hash, end } = hashAt(arena.bytes, at);
      // a key accepted again later has moved to a newer hour
      const slot = slotOfStored(index, hash, bucket, at);
      if (slot >= 0) removeSlot(index, slot);
      at = end;
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
    for (let at = 0; at < arena.used;) {
      const key = readKey(arena.bytes, at);
      const slot = slotOfStored(index, hashKey(key.type, key.id), bucket, at);
      if (slot >= 0) {
        const eventType = EVENT_TYPES[key.type] as EventType;
        const all = index.reused.get(reusedKey(eventType, key.id));
        yield { eventType, eventId: key.id, times: all ?? [timeAt(index, slot)] };
      }
      at = key.end;
    }
  }
}

/** Bytes the index holds in typed arrays (its resident size, give or take the small maps). */
export function indexBytes(index: EventKeyIndex): number {
  let bytes = index.capacity * 16;
  for (const arena of index.arenas.values()) bytes += arena.bytes.byteLength;
  return bytes;
}
