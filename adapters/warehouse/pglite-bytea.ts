import { types } from '@electric-sql/pglite';

/**
 * bytea to and from PGlite's text protocol with Node's native hex codec. PGlite's own
 * serializer turns every byte into an array element and two strings before joining them
 * (`Array.from(bytes).map(b => b.toString(16).padStart(2, '0')).join('')`), and its parser
 * takes a substring and a parseInt per byte. The state store writes each snapshot chunk and
 * changelog entry as bytea, so an allocation profile of the embedded soak put ~4 GB a minute of
 * short-lived garbage there, most of it promoted to the old generation (it lives across the
 * query's await) and then the largest cause of the heap's, and RSS's, swings; in a profile of
 * `npm start -- --events 200000` the serializer alone was 8% of the CPU.
 */
export function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/**
 * `\x…` (Postgres's hex output format, the default since 9.0) into bytes of their own; the
 * escape format (bytea_output = 'escape'), which PGlite's own parser misreads, too.
 */
export function parseBytea(text: string): Uint8Array {
  if (!text.startsWith('\\x')) return fromEscapeFormat(text);
  const bytes = new Uint8Array((text.length - 2) / 2);
  // into an ArrayBuffer of its own: Buffer.from(hex) would hand back a slice of a shared pool
  Buffer.from(bytes.buffer).write(text.slice(2), 'hex');
  return bytes;
}

/** `\\` is a backslash, `\ooo` an octal byte, any other character itself */
function fromEscapeFormat(text: string): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '\\') {
      out.push(text.charCodeAt(i));
      i += 1;
    } else if (text[i + 1] === '\\') {
      out.push(0x5c);
      i += 2;
    } else {
      out.push(parseInt(text.slice(i + 1, i + 4), 8));
      i += 4;
    }
  }
  return Uint8Array.from(out);
}

export const PGLITE_BYTEA = {
  serializers: { [types.BYTEA]: serializeBytea },
  parsers: { [types.BYTEA]: parseBytea },
} as const;
