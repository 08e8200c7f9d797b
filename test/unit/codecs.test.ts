import {
  bidRequestType,
  decodeClickLine,
  decodeImpressionJson,
  decodeRecords,
  encodeClickRow,
  encodeConfluentAvro,
  encodeImpression,
} from '../../adapters/codecs';
import type { DecodedPayload } from '../../domain';
import type { RawRecord } from '../../ports';
import { V1, V2, lookup, reasonOf, valueOf, bidV1, bidV2 } from '../support/codec-fixtures';

// JSON impressions and decodeRecords here; codecs-csv and codecs-avro hold the other formats

function rawRecord(value: Uint8Array | null, offset = 0): RawRecord {
  return {
    topic: 't',
    partition: 2,
    offset: String(offset),
    key: null,
    value,
    headers: {},
    timestamp: '0',
  };
}

describe('JSON impressions', () => {
  it('decodes a document and round-trips through encodeImpression', () => {
    const doc = {
      impression_id: 'imp-1',
      user_id: 'üser 📰',
      win_price_micros: 1500,
      nested: { a: [1, 2] },
    };
    expect(valueOf(decodeImpressionJson(encodeImpression(doc)))).toEqual(doc);
  });

  it.each([
    ['truncated JSON', Buffer.from('{"impression_id": "x", ')],
    ['not JSON at all', Buffer.from('impression_id=x')],
    ['empty', Buffer.alloc(0)],
    ['neither UTF-8 nor JSON', Buffer.from([0xff, 0xfe, 0x00, 0x7b])],
    ['UTF-16 with a BOM', Buffer.from('\ufeff{}', 'utf16le')],
  ])('rejects %s as corrupt_payload', (_name, bytes) => {
    expect(reasonOf(decodeImpressionJson(bytes))).toBe('corrupt_payload');
  });

  it('does not echo a field (a raw user id) in the detail of malformed CSV', () => {
    const payload = decodeClickLine(
      Buffer.from('click,clk-1,2026-11-26T00:00:00Z,user-4711"x,cmp-1'),
    );
    if (payload.ok) throw new Error('decoded');
    expect(payload.rejection.reason).toBe('corrupt_payload');
    expect(payload.rejection.detail).toMatch(
      /^click record is not valid CSV: Invalid Opening Quote/,
    );
    expect(payload.rejection.detail).not.toContain('4711');
  });

  it('does not echo the payload (a raw user id) in the detail of malformed JSON', () => {
    const payload = decodeImpressionJson(Buffer.from('{"user_id": user-4711, "impression_id": 1}'));
    if (payload.ok) throw new Error('decoded');
    expect(payload.rejection.reason).toBe('corrupt_payload');
    expect(payload.rejection.detail).toMatch(/^impression is not valid JSON: /);
    expect(payload.rejection.detail).not.toContain('4711');
  });

  it('hands non-object JSON to the domain, which decides what it is', () => {
    expect(valueOf(decodeImpressionJson(Buffer.from('null')))).toBeNull();
    expect(valueOf(decodeImpressionJson(Buffer.from('[1,2]')))).toEqual([1, 2]);
  });

  it('reads a Uint8Array view into a larger buffer without copying the rest', () => {
    const backing = Buffer.from('xx{"a":1}yy');
    expect(
      valueOf(decodeImpressionJson(new Uint8Array(backing.buffer, backing.byteOffset + 2, 7))),
    ).toEqual({ a: 1 });
  });
});

describe('decodeRecords', () => {
  const deps = { schemaById: lookup };

  it('decodes impressions with their coordinates and sizes', async () => {
    const value = encodeImpression({ impression_id: 'imp-1' });
    const [record] = await decodeRecords('impression', [rawRecord(value, 41)], deps, 64 * 1024);
    expect(record).toEqual({
      kind: 'impression',
      source: { topic: 't', partition: 2, offset: '41', format: 'json' },
      sizeBytes: value.length,
      payload: { ok: true, value: { impression_id: 'imp-1' } },
    });
  });

  it('does not parse records over the size limit, whatever the format', async () => {
    const huge = Buffer.alloc(70_000, 0x7b); // '{{{{…': would be corrupt if it were parsed
    for (const kind of ['impression', 'click_or_conversion', 'bid_request'] as const) {
      const [record] = await decodeRecords(kind, [rawRecord(huge)], deps, 64 * 1024);
      expect(record?.sizeBytes).toBe(70_000);
      expect(reasonOf(record?.payload as DecodedPayload)).toBe('too_large');
      expect(record?.source.schemaId).toBeUndefined();
    }
  });

  it('rejects a null value (tombstone) as corrupt_payload', async () => {
    for (const kind of ['impression', 'click_or_conversion', 'bid_request'] as const) {
      const [record] = await decodeRecords(kind, [rawRecord(null)], deps, 1024);
      expect(record?.sizeBytes).toBe(0);
      expect(reasonOf(record?.payload as DecodedPayload)).toBe('corrupt_payload');
    }
  });

  it('keeps record order for clicks, good and bad mixed', async () => {
    const values = [
      encodeClickRow(['click', 'a']),
      Buffer.from('"open'),
      null,
      Buffer.alloc(2000, 0x61),
      encodeClickRow(['click', 'b']),
    ];
    const records = await decodeRecords(
      'click_or_conversion',
      values.map((v, i) => rawRecord(v, i)),
      deps,
      1000,
    );
    expect(records.map((r) => reasonOf(r.payload))).toEqual([
      'ok',
      'corrupt_payload',
      'corrupt_payload',
      'too_large',
      'ok',
    ]);
    expect(records.map((r) => r.source.offset)).toEqual(['0', '1', '2', '3', '4']);
    expect(records.every((r) => r.source.format === 'csv')).toBe(true);
  });

  it('decodes bid requests of both writer versions and stamps their schema ids', async () => {
    const values = [
      encodeConfluentAvro(V1, bidRequestType(1), bidV1),
      encodeConfluentAvro(V2, bidRequestType(2), bidV2),
      encodeConfluentAvro(777, bidRequestType(2), bidV2),
      Buffer.from([9, 9]),
    ];
    const records = await decodeRecords(
      'bid_request',
      values.map((v, i) => rawRecord(v, i)),
      deps,
      1024,
    );
    expect(records.map((r) => reasonOf(r.payload))).toEqual([
      'ok',
      'ok',
      'unknown_schema',
      'corrupt_payload',
    ]);
    expect(records.map((r) => r.source.schemaId)).toEqual([V1, V2, 777, undefined]);
    expect(
      (valueOf(records[0]?.payload as DecodedPayload) as { deal_id: unknown }).deal_id,
    ).toBeNull();
  });
});

describe('JSON nesting', () => {
  it('refuses a document nested deeper than 64 levels before parsing it, brackets in strings aside', () => {
    const deep = (n: number) => Buffer.from(`{"a":${'['.repeat(n)}${']'.repeat(n)}}`);
    expect(reasonOf(decodeImpressionJson(deep(63)))).toBe('ok');
    const refused = decodeImpressionJson(deep(64));
    expect(refused.ok === false && refused.rejection.detail).toBe(
      'impression nests deeper than 64 levels',
    );
    expect(reasonOf(decodeImpressionJson(Buffer.from(`{"a":"${'['.repeat(500)}"}`)))).toBe('ok');
    expect(reasonOf(decodeImpressionJson(Buffer.from(`{"a":"\\"${'{'.repeat(500)}"}`)))).toBe('ok');
  });
});
