import { types } from '@electric-sql/pglite';
import fc from 'fast-check';
import { parseBytea, serializeBytea } from '../../adapters/warehouse/pglite-bytea';

// PGlite's own bytea codec, which ours replaces: the same text both ways
const pgliteSerialize = types.serializers[types.BYTEA] as (x: unknown) => string;
const pgliteParse = types.parsers[types.BYTEA] as (x: string) => Uint8Array;

describe('PGlite bytea codec (native hex)', () => {
  it('writes exactly the text PGlite’s serializer writes, and reads it back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const text = serializeBytea(bytes);
        expect(text).toBe(pgliteSerialize(bytes));
        expect(Buffer.from(parseBytea(text)).equals(Buffer.from(pgliteParse(text)))).toBe(true);
      }),
    );
  });

  it('encodes only the view it is given, not the rest of a shared buffer', () => {
    const shared = Buffer.from([1, 2, 3, 4, 5]);
    expect(serializeBytea(shared.subarray(1, 3))).toBe('\\x0203');
  });

  it('parses into bytes of their own, not a slice of a shared pool', () => {
    const bytes = parseBytea('\\x0a0b0c');
    expect([...bytes]).toEqual([10, 11, 12]);
    expect(bytes.buffer.byteLength).toBe(3);
  });

  it('refuses what is not bytes', () => {
    expect(() => serializeBytea('abc')).toThrow('Invalid input for bytea type');
  });

  it('reads the escape output format: characters, \\\\ and \\ooo octal bytes', () => {
    expect([...parseBytea('ab\\\\\\000\\377')]).toEqual([0x61, 0x62, 0x5c, 0x00, 0xff]);
  });
});
