/**
 * Hostile inputs for the fuzzer and its bounded fast-check twin: seed records from the traffic
 * simulator, and mutations that each aim at one way a decoder goes wrong (byte flips, truncation,
 * giant length prefixes, hostile writer schemas, surrogates and broken UTF-8, deep nesting, huge
 * numbers, CSV quoting). All of it is driven by one seeded Random, so a record is reproduced from
 * (format, seed, index) alone.
 */
import { bidRequestSchemaText } from '../../adapters/codecs/bid-request-avro';
import type { SourceKind } from '../../domain';
import { createRandom, type Random } from '../../src/simulator/prng';

export type Mutation = (bytes: Buffer, r: Random) => Buffer;

const SURROGATE_ESCAPES = ['\\ud800', '\\udfff', '\\udbff\\u0041', '\\ud83d', '\\ude00x'];
const BAD_UTF8 = [
  [0xed, 0xa0, 0x80], // CESU-8 high surrogate
  [0xff],
  [0xc0, 0x80], // overlong NUL
  [0xe9], // Latin-1 é
  [0xf4, 0x90, 0x80, 0x80], // beyond U+10FFFF
];
/** zigzag varints that claim far more than any record holds */
const GIANT_VARINTS = [
  [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f], // ~2^52 (the poison record of issue 12)
  [0x80, 0xc2, 0xd7, 0x2f], // 1e8
  [0xff, 0xff, 0xff, 0xff, 0x0f], // -2^31 ...
  [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], // 2^63 - 1
  [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // an 11-byte varint
];
const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '9007199254740993',
  '1e-400',
  '-0',
  '123456789012345678901234567890',
  '0x10',
  'NaN',
  '1.7976931348623157e308',
];
const CSV_TRAPS = [
  '"',
  '""',
  '"a""b"',
  '"\n"',
  '\r',
  '\r\n',
  ',',
  '"x',
  'x"',
  '" ,"',
  '=cmd|x',
  '\u0000',
];

const pick = <T>(r: Random, items: readonly T[]): T => r.pick(items);
const at = (bytes: Buffer, r: Random): number =>
  bytes.length === 0 ? 0 : r.below(bytes.length + 1);
const splice = (
  bytes: Buffer,
  start: number,
  removed: number,
  inserted: Buffer | number[],
): Buffer =>
  Buffer.concat([bytes.subarray(0, start), Buffer.from(inserted), bytes.subarray(start + removed)]);

/** mutations that apply to any format */
const GENERIC: readonly Mutation[] = [
  // flip one to eight bits
  (b, r) => {
    const out = Buffer.from(b);
    for (let n = r.between(1, 8); n > 0 && out.length > 0; n--) {
      const i = r.below(out.length);
      out[i] = (out[i] ?? 0) ^ (1 << r.below(8));
    }
    return out;
  },
  // set random bytes to random values
  (b, r) => {
    const out = Buffer.from(b);
    for (let n = r.between(1, 4); n > 0 && out.length > 0; n--)
      out[r.below(out.length)] = r.below(256);
    return out;
  },
  // truncate
  (b, r) => b.subarray(0, r.below(Math.max(1, b.length))),
  // cut out a slice
  (b, r) => {
    const start = at(b, r);
    return splice(b, start, r.below(Math.max(1, b.length - start)), []);
  },
  // duplicate a slice in place
  (b, r) => {
    const start = at(b, r);
    const slice = b.subarray(start, start + r.between(1, 16));
    return splice(b, start, 0, slice);
  },
  // insert a giant varint
  (b, r) => splice(b, at(b, r), 0, pick(r, GIANT_VARINTS)),
  // overwrite with a giant varint
  (b, r) => {
    const v = pick(r, GIANT_VARINTS);
    return splice(b, at(b, r), v.length, v);
  },
  // bytes that are not UTF-8
  (b, r) => splice(b, at(b, r), r.below(2), pick(r, BAD_UTF8)),
  // random garbage of random length
  (_b, r) => Buffer.from(Array.from({ length: r.below(64) }, () => r.below(256))),
  // empty
  () => Buffer.alloc(0),
];

/** JSON-aware mutations: they keep (or deliberately break) the document's structure */
const JSON_MUTATIONS: readonly Mutation[] = [
  // a lone surrogate escape inside a string value
  (b, r) => {
    const text = b.toString('latin1');
    const quotes = [...text.matchAll(/":"/g)].map((m) => (m.index ?? 0) + 3);
    const where = quotes.length ? pick(r, quotes) : at(b, r);
    return Buffer.from(
      text.slice(0, where) + pick(r, SURROGATE_ESCAPES) + text.slice(where),
      'latin1',
    );
  },
  // a number replaced by a huge or odd one
  (b, r) =>
    Buffer.from(b.toString('latin1').replace(/-?\d+(\.\d+)?/, pick(r, HUGE_NUMBERS)), 'latin1'),
  // deep nesting, as a field value or as the whole document
  (b, r) => {
    const depth = pick(r, [64, 1000, 20_000]);
    const nest = '['.repeat(depth) + ']'.repeat(depth);
    return r.chance(0.5)
      ? Buffer.from(nest)
      : Buffer.from(b.toString('latin1').replace(/^\{/, `{"deep":${nest},`), 'latin1');
  },
  // a value retyped
  (b, r) =>
    Buffer.from(
      b
        .toString('latin1')
        .replace(
          /:("[^"]*"|-?\d+|true|false|null)/,
          `:${pick(r, ['null', '[]', '{}', 'true', '"x"', '-1', '{"$ref":1}'])}`,
        ),
      'latin1',
    ),
  // duplicate keys and prototype keys
  (b, r) =>
    Buffer.from(
      b
        .toString('latin1')
        .replace(
          /^\{/,
          pick(r, [
            '{"__proto__":{"x":1},',
            '{"constructor":1,',
            '{"impression_id":"a","impression_id":"b",',
          ]),
        ),
      'latin1',
    ),
];

/** CSV-aware mutations: quoting, line breaks, column counts */
const CSV_MUTATIONS: readonly Mutation[] = [
  (b, r) => splice(b, at(b, r), 0, Buffer.from(pick(r, CSV_TRAPS))),
  (b, r) => {
    const fields = b.toString('latin1').split(',');
    const i = r.below(fields.length);
    fields[i] = pick(r, CSV_TRAPS) + (fields[i] ?? '') + pick(r, CSV_TRAPS);
    return Buffer.from(fields.join(','), 'latin1');
  },
  // add or drop columns
  (b, r) => {
    const fields = b.toString('latin1').split(',');
    if (r.chance(0.5)) fields.splice(r.below(fields.length), 1);
    else fields.splice(r.below(fields.length + 1), 0, ...Array(r.between(1, 3)).fill('x'));
    return Buffer.from(fields.join(','), 'latin1');
  },
  // a field of lone-surrogate bytes (CESU-8), or a field of U+FFFD
  (b, r) => {
    const fields = b.toString('latin1').split(',');
    fields[r.below(fields.length)] = pick(r, ['\xed\xa0\x80', '\xef\xbf\xbd', '\xed\xbf\xbf']);
    return Buffer.from(fields.join(','), 'latin1');
  },
];

/** Avro: keep the Confluent header (magic byte + id), mutate the body */
const AVRO_MUTATIONS: readonly Mutation[] = [
  // a giant block count or length right after the header (where hostile schemas put arrays)
  (b, r) => splice(b, 5, 0, [...pick(r, GIANT_VARINTS), 0]),
  // another schema id in the header (unknown, or another version, or one of the hostile ones)
  (b, r) => {
    const out = Buffer.from(b);
    if (out.length >= 5)
      out.writeInt32BE(
        pick(r, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 999, -1, 2 ** 31 - 1]),
        1,
      );
    return out;
  },
  // a string length prefix inflated
  (b, r) => {
    const out = Buffer.from(b);
    const i = 5 + r.below(Math.max(1, out.length - 5));
    if (i < out.length) out[i] = pick(r, [0x7e, 0x7f, 0xfe, 0x01]);
    return out;
  },
  // bad UTF-8 inside a string (after its length byte)
  (b, r) => {
    const out = Buffer.from(b);
    const i = 6 + r.below(Math.max(1, out.length - 6));
    if (i < out.length) out[i] = pick(r, [0xff, 0xc0, 0xed, 0x80]);
    return out;
  },
];

const MUTATIONS: Record<SourceKind, readonly Mutation[]> = {
  impression: [...GENERIC, ...JSON_MUTATIONS, ...JSON_MUTATIONS],
  click_or_conversion: [...GENERIC, ...CSV_MUTATIONS, ...CSV_MUTATIONS],
  bid_request: [...GENERIC, ...AVRO_MUTATIONS, ...AVRO_MUTATIONS],
};

/** One to three mutations of a seed record. */
export function mutate(kind: SourceKind, seed: Buffer, r: Random): Buffer {
  let bytes = seed;
  for (let n = r.between(1, 3); n > 0; n--) bytes = pick(r, MUTATIONS[kind])(bytes, r);
  return bytes;
}

/**
 * Writer schemas a hostile producer could register under the bid-request subject (each a
 * BACKWARD_TRANSITIVE-compatible extension of the contract: new fields have defaults): arrays and
 * maps of zero-width items, deep nesting, a recursive type, a huge fixed, a wide union.
 */
export function hostileWriterSchemas(): string[] {
  const base = JSON.parse(bidRequestSchemaText(2)) as { fields: unknown[] };
  const withFirst = (field: Record<string, unknown>): string =>
    JSON.stringify({ ...base, fields: [field, ...base.fields] });
  let nested: unknown = 'null';
  for (let i = 0; i < 40; i++)
    nested = { type: 'record', name: `N${i}`, fields: [{ name: 'n', type: nested }] };
  return [
    withFirst({ name: 'pad', type: { type: 'array', items: 'null' }, default: [] }),
    withFirst({ name: 'pad', type: { type: 'map', values: 'null' }, default: {} }),
    withFirst({
      name: 'pad',
      type: { type: 'array', items: { type: 'record', name: 'Empty', fields: [] } },
      default: [],
    }),
    withFirst({
      name: 'pad',
      type: { type: 'array', items: { type: 'array', items: { type: 'array', items: 'long' } } },
      default: [],
    }),
    withFirst({
      name: 'list',
      type: [
        'null',
        { type: 'record', name: 'Cell', fields: [{ name: 'next', type: ['null', 'Cell'] }] },
      ],
      default: null,
    }),
    withFirst({ name: 'deep', type: ['null', nested], default: null }),
    withFirst({
      name: 'blob',
      type: ['null', { type: 'fixed', name: 'Blob', size: 1 << 20 }],
      default: null,
    }),
    withFirst({
      name: 'wide',
      type: ['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string'],
      default: null,
    }),
  ];
}

/** A record encoded with a hostile writer: the header names its id, the extension is empty. */
export function hostileBody(schemaIndexByte: number, body: Buffer): Buffer {
  // arrays/maps: block count 0; union fields: branch 0 (null); fixed is behind a null branch
  return Buffer.concat([body.subarray(0, 5), Buffer.from([schemaIndexByte]), body.subarray(5)]);
}

export { createRandom };
