import type { PGliteOptions } from '@electric-sql/pglite';

/** Postgres's type oid of bytea */
const BYTEA = 17;

/** bytea_output = 'escape': `\\` is a backslash, `\ooo` an octal byte, anything else itself */
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
  return Buffer.from(out);
}

/**
 * bytea parameters and results through Buffer's native hex codec. PGlite's own serializer builds
 * a string per byte (`Array.from(bytes).map(b => b.toString(16)...)`): with the state store's
 * changelog bodies and snapshot chunks that was 8% of the embedded run's CPU, and much of its GC.
 * The text form is the same (`\x` and two lowercase hex digits a byte), so Postgres reads it the
 * same way.
 */
export const PGLITE_BYTEA_CODECS: Pick<PGliteOptions, 'serializers' | 'parsers'> = {
  serializers: {
    [BYTEA]: (value: unknown): string => {
      if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
      return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
    },
  },
  parsers: {
    // hex is the server's default bytea_output; PGlite's own parser misreads the escape form too
    [BYTEA]: (text: string): Uint8Array =>
      text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex') : fromEscapeFormat(text),
  },
};
