import { isUtf8 } from 'node:buffer';
import type { Type } from 'avsc';
import type { RejectionReason } from '../../domain';

/**
 * avsc trusts the lengths and counts it reads: an array block count of 2^52 with zero-width items
 * (null, an empty record) loops for days, and strings are decoded with U+FFFD for bad bytes. So,
 * before avsc sees a body, it is walked once against the writer schema, and every length and count
 * is checked against the bytes that are left:
 *
 * - a string, bytes or fixed value cannot be longer than the rest of the record;
 * - an array or map block cannot hold more items than there are bytes left (an item takes at least
 *   one byte, except zero-width types; a legitimate ad event never holds a large array of those);
 * - union and enum indexes must name a branch or symbol, varints are at most 10 bytes (5 for int);
 * - nesting is at most MAX_DEPTH deep (recursive writer schemas);
 * - a string must be valid UTF-8: otherwise it is invalid_value at its field path.
 *
 * Everything else is left to avsc, which after this walk can only take time proportional to the
 * record's size.
 */
export const MAX_DEPTH = 64;

export type BodyCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: Extract<RejectionReason, 'corrupt_payload' | 'invalid_value'>;
      readonly path: string;
      readonly detail: string;
    };

class Refused extends Error {
  constructor(
    readonly reason: 'corrupt_payload' | 'invalid_value',
    readonly path: string,
    detail: string,
  ) {
    super(detail);
  }
}

/** avsc's public Type lacks the per-kind accessors; these are the ones the walk reads. */
interface WalkedType {
  readonly typeName: string;
  readonly fields?: readonly { readonly name: string; readonly type: WalkedType }[];
  readonly itemsType?: WalkedType;
  readonly valuesType?: WalkedType;
  readonly types?: readonly WalkedType[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly underlyingType?: WalkedType;
}

/**
 * Every bid request is walked, and a well-formed one must cost no allocation: the path to a
 * value is kept as a stack of segments and joined only when a value is refused, strings are
 * scanned for ASCII before any buffer view is made, and no closure or iterator is made per value.
 */
class Walk {
  pos: number;
  private readonly segments: (string | number)[] = [];

  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  get left(): number {
    return this.buf.length - this.pos;
  }

  /** the dotted path of the value being read, '' at the root */
  path(): string {
    return this.segments.join('.');
  }

  /** the detail's figures come as arguments: a closure over them would be allocated per call */
  refuse(
    reason: 'corrupt_payload' | 'invalid_value',
    detail: Detail,
    a: number = 0,
    b: number = 0,
    what: string = '',
  ): never {
    const path = this.path();
    throw new Refused(reason, path, detail(path, a, b, what));
  }

  /** a zigzag varint as a JS number (exact up to 2^53, then only its magnitude matters) */
  varint(maxBytes: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.buf.length) this.refuse('corrupt_payload', truncated);
      const byte = this.buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    return this.refuse('corrupt_payload', longVarint, maxBytes);
  }

  skip(n: number): void {
    if (n > this.left) this.refuse('corrupt_payload', truncated);
    this.pos += n;
  }

  length(what: string): number {
    const n = this.varint(10);
    if (n < 0 || n > this.left) this.refuse('corrupt_payload', overlong, n, this.left, what);
    return n;
  }

  /** n bytes of UTF-8 text: ASCII is checked in place, the rest by node's validator */
  utf8(n: number): void {
    const { buf } = this;
    const end = this.pos + n;
    let i = this.pos;
    while (i < end && (buf[i] as number) < 0x80) i++;
    // ASCII bytes are whole characters, so the text is valid iff its rest from i is
    if (i < end && !isUtf8(buf.subarray(i, end))) this.refuse('invalid_value', notUtf8);
    this.pos = end;
  }

  value(type: WalkedType, depth: number): void {
    if (depth > MAX_DEPTH) this.refuse('corrupt_payload', tooDeep);
    switch (type.typeName) {
      case 'null':
        return;
      case 'boolean':
        return this.skip(1);
      case 'int':
        this.varint(5);
        return;
      case 'long':
        this.varint(10);
        return;
      case 'float':
        return this.skip(4);
      case 'double':
        return this.skip(8);
      case 'fixed':
        return this.skip(type.size ?? 0);
      case 'bytes':
        return this.skip(this.length('bytes'));
      case 'string':
        return this.utf8(this.length('string'));
      case 'enum': {
        const index = this.varint(5);
        if (index < 0 || index >= (type.symbols?.length ?? 0))
          this.refuse('corrupt_payload', noSymbol, index);
        return;
      }
      case 'record':
      case 'error': {
        const fields = type.fields ?? NO_FIELDS;
        for (let i = 0; i < fields.length; i++) {
          const field = fields[i] as (typeof fields)[number];
          this.segments.push(field.name);
          this.value(field.type, depth + 1);
          this.segments.pop();
        }
        return;
      }
      case 'array':
        return this.blocks(type.itemsType as WalkedType, false, depth);
      case 'map':
        return this.blocks(type.valuesType as WalkedType, true, depth);
      case 'union:unwrapped':
      case 'union:wrapped': {
        const branches = type.types ?? NO_TYPES;
        const index = this.varint(5);
        const branch = branches[index];
        if (index < 0 || !branch) this.refuse('corrupt_payload', noBranch, index);
        return this.value(branch as WalkedType, depth + 1);
      }
      default:
        if (type.underlyingType) return this.value(type.underlyingType, depth);
        return this.refuse('corrupt_payload', unsupported, 0, 0, type.typeName);
    }
  }

  /**
   * array and map blocks: a count (negative: followed by the block's byte size), 0 ends; a map
   * item is a key then its value, and both are named by the item's index
   */
  blocks(itemType: WalkedType, keyed: boolean, depth: number): void {
    let index = 0;
    for (;;) {
      let count = this.varint(10);
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        const size = this.varint(10);
        if (size < 0 || size > this.left)
          this.refuse('corrupt_payload', blockSize, size, this.left);
      }
      if (count > this.left) this.refuse('corrupt_payload', blockCount, count, this.left);
      for (let i = 0; i < count; i++) {
        if (keyed) this.skip(this.length('map key'));
        this.segments.push(index++);
        this.value(itemType, depth + 1);
        this.segments.pop();
      }
    }
  }
}

type Detail = (path: string, a: number, b: number, what: string) => string;
const truncated: Detail = () => 'Avro body is truncated';
const longVarint: Detail = (path, max) =>
  `Avro varint at ${path || 'the root'} is longer than ${max} bytes`;
const overlong: Detail = (path, n, left, what) =>
  `${what} length ${n} at ${path || 'the root'} exceeds the ${left} bytes left`;
const notUtf8: Detail = (path) => `${path || 'string'} is not valid UTF-8`;
const tooDeep: Detail = () => `Avro value nests deeper than ${MAX_DEPTH} levels`;
const noSymbol: Detail = (path, index) => `enum index ${index} at ${path} names no symbol`;
const noBranch: Detail = (path, index) => `union index ${index} at ${path} names no branch`;
const unsupported: Detail = (_path, _a, _b, typeName) => `Avro type ${typeName} is not supported`;
const blockSize: Detail = (path, size, left) =>
  `block size ${size} at ${path} exceeds the ${left} bytes left`;
const blockCount: Detail = (path, count, left) =>
  `block of ${count} items at ${path || 'the root'} exceeds the ${left} bytes left`;
const NO_FIELDS: NonNullable<WalkedType['fields']> = [];
const NO_TYPES: NonNullable<WalkedType['types']> = [];

/** Walks the body from `start` to the end of `buf` against the writer schema. */
export function checkAvroBody(writer: Type, buf: Buffer, start: number): BodyCheck {
  const walk = new Walk(buf, start);
  try {
    walk.value(writer as unknown as WalkedType, 0);
  } catch (error) {
    if (error instanceof Refused)
      return { ok: false, reason: error.reason, path: error.path, detail: error.message };
    throw error;
  }
  if (walk.pos !== buf.length)
    return {
      ok: false,
      reason: 'corrupt_payload',
      path: '',
      detail: `${buf.length - walk.pos} bytes after the Avro body`,
    };
  return { ok: true };
}
