import fc from 'fast-check';
import type { Type } from 'avsc';
import {
  bidRequestSchemaText,
  bidRequestType,
  confluentSchemaId,
  createBidRequestDecoder,
  encodeConfluentAvro,
} from '../../adapters/codecs';
import { V1, V2, lookup, reasonOf, valueOf, bidV1, bidV2 } from '../support/codec-fixtures';

/** a v1 bid request, byte by byte, with device_type as the given symbol index (5 symbols) */
const withDeviceIndex = (index: number): number[] =>
  [
    [0x02, 0x61], // bid_request_id "a"
    [0x00], // timestamp 0
    [0x02, 0x75], // user_id "u"
    [0x02, 0x63], // campaign_id "c"
    [0x02, 0x70], // publisher_id "p"
    [0x00], // ad_id: null branch
    [index * 2], // device_type (zigzag)
    [0x04, 0x55, 0x53], // country "US"
    [0x00], // bid_floor_micros 0
    [0x00], // bid_price_micros: null branch
    [0x01], // won
  ].flat();

describe('Confluent Avro bid requests', () => {
  const v1: Type = bidRequestType(1);
  const v2: Type = bidRequestType(2);

  it('reads the schema id from the header', () => {
    expect(confluentSchemaId(encodeConfluentAvro(V2, v2, bidV2))).toBe(V2);
    expect(confluentSchemaId(Buffer.from([1, 0, 0, 0, 12]))).toBeUndefined();
  });

  it('decodes a v2 record written with v2', async () => {
    const decoder = createBidRequestDecoder(lookup);
    const out = await decoder.decode(encodeConfluentAvro(V2, v2, bidV2));
    expect(out.schemaId).toBe(V2);
    expect({ ...(valueOf(out.payload) as object) }).toEqual(bidV2);
  });

  it('reads a v1 writer as the v2 shape, new fields defaulted to null', async () => {
    const decoder = createBidRequestDecoder(lookup);
    const out = await decoder.decode(encodeConfluentAvro(V1, v1, bidV1));
    expect({ ...(valueOf(out.payload) as object) }).toEqual({
      ...bidV1,
      win_price_micros: null,
      deal_id: null,
    });
  });

  it('rejects an unregistered id as unknown_schema, and finds it once it is registered', async () => {
    const registry = new Map<number, string>();
    let lookups = 0;
    const decoder = createBidRequestDecoder(async (id) => {
      lookups++;
      return registry.get(id);
    });
    const bytes = encodeConfluentAvro(99, v2, bidV2);
    const first = await decoder.decode(bytes);
    expect(reasonOf(first.payload)).toBe('unknown_schema');
    expect(first.schemaId).toBe(99);
    registry.set(99, bidRequestSchemaText(2));
    expect(reasonOf((await decoder.decode(bytes)).payload)).toBe('ok');
    await decoder.decode(bytes);
    await decoder.prepare([99, 99]);
    expect(lookups).toBe(2); // the miss was not cached, the hit is
  });

  it('rejects a registered schema that is not a bid request as unknown_schema', async () => {
    const other = '{"type":"record","name":"Other","fields":[{"name":"x","type":"int"}]}';
    const decoder = createBidRequestDecoder(async (id) => (id === 5 ? other : undefined));
    const out = await decoder.decode(Buffer.from([0, 0, 0, 0, 5, 2]));
    expect(reasonOf(out.payload)).toBe('unknown_schema');
  });

  it('propagates a registry outage instead of rejecting the record', async () => {
    const decoder = createBidRequestDecoder(async () => {
      throw new Error('registry unreachable');
    });
    await expect(decoder.decode(encodeConfluentAvro(V2, v2, bidV2))).rejects.toThrow(
      'registry unreachable',
    );
  });

  it.each([
    ['too short for the header', () => Buffer.from([0, 0, 0])],
    [
      'a wrong magic byte',
      () => Buffer.concat([Buffer.from([1]), encodeConfluentAvro(V2, v2, bidV2).subarray(1)]),
    ],
    ['a body cut short', () => encodeConfluentAvro(V2, v2, bidV2).subarray(0, 20)],
    ['a header with no body', () => encodeConfluentAvro(V2, v2, bidV2).subarray(0, 5)],
    [
      'trailing garbage',
      () => Buffer.concat([encodeConfluentAvro(V2, v2, bidV2), Buffer.from([0x02])]),
    ],
    [
      'a long beyond 2^53',
      () =>
        encodeConfluentAvro(V2, v2, { ...bidV2, timestamp: 1 }).fill(
          0xff,
          5 + 1 + 4 + 1,
          5 + 1 + 4 + 1 + 9,
        ),
    ],
    ['an enum index out of range', () => Buffer.from([0, 0, 0, 0, V1, ...withDeviceIndex(9)])],
  ])('rejects %s as corrupt_payload', async (_name, make) => {
    const decoder = createBidRequestDecoder(lookup);
    expect(reasonOf((await decoder.decode(make())).payload)).toBe('corrupt_payload');
  });

  it('decodes the hand-written record when its enum index is in range', async () => {
    const decoder = createBidRequestDecoder(lookup);
    const out = await decoder.decode(Buffer.from([0, 0, 0, 0, V1, ...withDeviceIndex(3)]));
    expect(valueOf(out.payload)).toMatchObject({
      bid_request_id: 'a',
      device_type: 'CTV',
      won: true,
    });
  });

  it('never throws on arbitrary bytes behind a valid header (property)', async () => {
    const decoder = createBidRequestDecoder(lookup);
    await decoder.prepare([V1, V2]);
    fc.assert(
      fc.property(fc.constantFrom(V1, V2), fc.uint8Array({ maxLength: 80 }), (id, body) => {
        const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, id]), body]);
        const out = decoder.decodePrepared(bytes);
        expect(['ok', 'corrupt_payload', 'invalid_value']).toContain(reasonOf(out.payload));
      }),
      { numRuns: 2000 },
    );
  });
});
