/**
 * Strings kept off the JS heap, for the indexes that hold millions of them (dedupe keys, touch ids,
 * audiences): appended to a byte arena, 1 byte a character for Latin-1 text and 2 otherwise, so any
 * string comes back exactly (lone surrogates included). Each entry is a header byte (a small tag of
 * the caller's, below WIDE), the length as a varint, then the characters. Arenas are never
 * compacted: their owners drop a whole one when everything in it has expired.
 */
export interface KeyArena {
  bytes: Uint8Array;
  used: number;
}

const WIDE = 0x80;

export const newKeyArena = (): KeyArena => ({ bytes: new Uint8Array(256), used: 0 });

/** murmur3's 32-bit finalizer (fmix32): every input bit moves every output bit */
export function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** fmix32 with the low bit set, so that 0 can mean "empty" in a hash table */
const finish = (hash: number): number => (fmix32(hash) | 1) >>> 0;

/** FNV-1a over the tag and the UTF-16 code units (what hashStored computes from the bytes) */
export function hashText(tag: number, text: string): number {
  let h = Math.imul(0x811c9dc5 ^ tag, 0x01000193);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return finish(h);
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function reserve(arena: KeyArena, need: number): void {
  if (arena.used + need <= arena.bytes.length) return;
  const grown = new Uint8Array(Math.max(arena.bytes.length * 2, arena.used + need));
  grown.set(arena.bytes.subarray(0, arena.used));
  arena.bytes = grown;
}

/** Appends the text with its tag; returns where it starts. */
export function writeText(arena: KeyArena, tag: number, text: string): number {
  const wide = !isLatin1(text);
  reserve(arena, 6 + text.length * (wide ? 2 : 1));
  const b = arena.bytes;
  const start = arena.used;
  let p = start;
  b[p++] = tag | (wide ? WIDE : 0);
  let n = text.length;
  while (n >= 0x80) {
    b[p++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  b[p++] = n;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    b[p++] = c & 0xff;
    if (wide) b[p++] = c >>> 8;
  }
  arena.used = p;
  return start;
}

/** Appends an entry stored in another arena, as it is (for compacting); returns where it starts. */
export function copyStored(from: Uint8Array, at: number, to: KeyArena): number {
  const end = storedEnd(from, at);
  reserve(to, end - at);
  // byte by byte: entries are short, and a subarray would allocate a view for each one copied
  const start = to.used;
  const bytes = to.bytes;
  for (let p = at; p < end; p++) bytes[to.used++] = from[p] as number;
  return start;
}

/**
 * The entry's header, length and where its characters start, packed into the module's cursor so
 * that the hot comparisons allocate nothing.
 */
const cursor = { tag: 0, length: 0, wide: false, chars: 0 };

function open(bytes: Uint8Array, at: number): typeof cursor {
  let p = at;
  const header = bytes[p++] as number;
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[p++] as number;
    n |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  cursor.tag = header & ~WIDE;
  cursor.wide = (header & WIDE) !== 0;
  cursor.length = n;
  cursor.chars = p;
  return cursor;
}

const charAt = (bytes: Uint8Array, wide: boolean, p: number): number =>
  wide ? (bytes[p] as number) | ((bytes[p + 1] as number) << 8) : (bytes[p] as number);

/** The position just after the entry. */
export function storedEnd(bytes: Uint8Array, at: number): number {
  const c = open(bytes, at);
  return c.chars + c.length * (c.wide ? 2 : 1);
}

/** The stored entry's hash, equal to hashText of its tag and text. */
export function hashStored(bytes: Uint8Array, at: number): number {
  const { tag, length, wide, chars } = open(bytes, at);
  let h = Math.imul(0x811c9dc5 ^ tag, 0x01000193);
  const step = wide ? 2 : 1;
  for (let i = 0, p = chars; i < length; i++, p += step)
    h = Math.imul(h ^ charAt(bytes, wide, p), 0x01000193);
  return finish(h);
}

export function storedTag(bytes: Uint8Array, at: number): number {
  return open(bytes, at).tag;
}

export function readText(bytes: Uint8Array, at: number): string {
  const { length, wide, chars } = open(bytes, at);
  const step = wide ? 2 : 1;
  let text = '';
  for (let i = 0, p = chars; i < length; i++, p += step)
    text += String.fromCharCode(charAt(bytes, wide, p));
  return text;
}

export function storedEquals(bytes: Uint8Array, at: number, tag: number, text: string): boolean {
  const { tag: stored, length, wide, chars } = open(bytes, at);
  if (stored !== tag || length !== text.length) return false;
  const step = wide ? 2 : 1;
  for (let i = 0, p = chars; i < length; i++, p += step)
    if (charAt(bytes, wide, p) !== text.charCodeAt(i)) return false;
  return true;
}

/** The stored text against another, in JavaScript's string order (UTF-16 code units): <0, 0, >0. */
export function compareStored(bytes: Uint8Array, at: number, text: string): number {
  const { length, wide, chars } = open(bytes, at);
  const step = wide ? 2 : 1;
  const common = Math.min(length, text.length);
  for (let i = 0, p = chars; i < common; i++, p += step) {
    const d = charAt(bytes, wide, p) - text.charCodeAt(i);
    if (d !== 0) return d;
  }
  return length - text.length;
}
