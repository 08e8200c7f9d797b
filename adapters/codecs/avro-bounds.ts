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

const join = (path: string, key: string | number): string =>
  path ? `${path}.${key}` : String(key);

class Walk {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }

  get left(): number {
    return this.buf.length - this.pos;
  }

  /** a zigzag varint as a JS number (exact up to 2^53, then only its magnitude matters) */
  varint(path: string, maxBytes: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.pos >= this.buf.length)
        throw new Refused('corrupt_payload', path, 'Avro body is truncated');
      const byte = this.buf[this.pos++] as number;
      value += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
    }
    throw new Refused(
      'corrupt_payload',
      path,
      `Avro varint at ${path || 'the root'} is longer than ${maxBytes} bytes`,
    );
  }

  skip(n: number, path: string): void {
    if (n > this.left) throw new Refused('corrupt_payload', path, 'Avro body is truncated');
    this.pos += n;
  }

  length(path: string, what: string): number {
    const n = this.varint(path, 10);
    if (n < 0 || n > this.left)
      throw new Refused(
        'corrupt_payload',
        path,
        `${what} length ${n} at ${path || 'the root'} exceeds the ${this.left} bytes left`,
      );
    return n;
  }

  value(type: WalkedType, path: string, depth: number): void {
    if (depth > MAX_DEPTH)
      throw new Refused(
        'corrupt_payload',
        path,
        `Avro value nests deeper than ${MAX_DEPTH} levels`,
      );
    switch (type.typeName) {
      case 'null':
        return;
      case 'boolean':
        return this.skip(1, path);
      case 'int':
        this.varint(path, 5);
        return;
      case 'long':
        this.varint(path, 10);
        return;
      case 'float':
        return this.skip(4, path);
      case 'double':
        return this.skip(8, path);
      case 'fixed':
        return this.skip(type.size ?? 0, path);
      case 'bytes':
        return this.skip(this.length(path, 'bytes'), path);
      case 'string': {
        const n = this.length(path, 'string');
        if (!isUtf8(this.buf.subarray(this.pos, this.pos + n)))
          throw new Refused('invalid_value', path, `${path || 'string'} is not valid UTF-8`);
        this.pos += n;
        return;
      }
      case 'enum': {
        const index = this.varint(path, 5);
        if (index < 0 || index >= (type.symbols?.length ?? 0))
          throw new Refused(
            'corrupt_payload',
            path,
            `enum index ${index} at ${path} names no symbol`,
          );
        return;
      }
      case 'record':
      case 'error':
        for (const field of type.fields ?? [])
          this.value(field.type, join(path, field.name), depth + 1);
        return;
      case 'array':
        return this.blocks(path, depth, (i) =>
          this.value(type.itemsType as WalkedType, join(path, i), depth + 1),
        );
      case 'map':
        return this.blocks(path, depth, (i) => {
          const key = this.length(path, 'map key');
          this.skip(key, path);
          this.value(type.valuesType as WalkedType, join(path, i), depth + 1);
        });
      case 'union:unwrapped':
      case 'union:wrapped': {
        const branches = type.types ?? [];
        const index = this.varint(path, 5);
        const branch = branches[index];
        if (index < 0 || !branch)
          throw new Refused(
            'corrupt_payload',
            path,
            `union index ${index} at ${path} names no branch`,
          );
        return this.value(branch, path, depth + 1);
      }
      default:
        if (type.underlyingType) return this.value(type.underlyingType, path, depth);
        throw new Refused('corrupt_payload', path, `Avro type ${type.typeName} is not supported`);
    }
  }

  /** array and map blocks: a count (negative: followed by the block's byte size), 0 ends */
  blocks(path: string, depth: number, item: (index: number) => void): void {
    let index = 0;
    for (;;) {
      let count = this.varint(path, 10);
      if (count === 0) return;
      if (count < 0) {
        count = -count;
        const size = this.varint(path, 10);
        if (size < 0 || size > this.left)
          throw new Refused(
            'corrupt_payload',
            path,
            `block size ${size} at ${path} exceeds the ${this.left} bytes left`,
          );
      }
      if (count > this.left)
        throw new Refused(
          'corrupt_payload',
          path,
          `block of ${count} items at ${path || 'the root'} exceeds the ${this.left} bytes left`,
        );
      for (let i = 0; i < count; i++) item(index++);
    }
  }
}

/** Walks the body from `start` to the end of `buf` against the writer schema. */
export function checkAvroBody(writer: Type, buf: Buffer, start: number): BodyCheck {
  const walk = new Walk(buf, start);
  try {
    walk.value(writer as unknown as WalkedType, '', 0);
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
