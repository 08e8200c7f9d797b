/**
 * The poison record from issue 12: a writer schema with an extra array field, and a 14-byte
 * prefix `00 <id> feffffffffffff1f 00` in front of a normal body. The block count claims ~2^52
 * zero-width items; avsc would loop over them for days. It must come back as a rejection (the
 * bounds walk refuses the count against the bytes left) and the next record must still decode.
 * Outcomes only: a hang would show as this test never finishing, not as a timing assertion.
 */
import { bidRequestSchemaText, bidRequestType, encodeConfluentAvro } from '../../adapters/codecs';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';
import { MemorySchemaRegistry } from '../../adapters/memory/memory-schema-registry';
import { processBatch, initialPipelineState, pipelineRules } from '../../domain';
import type { RawRecord, SourceBatch } from '../../ports';
import { batchId } from '../../ports';
import { bidV2 } from '../support/codec-fixtures';

const TOPIC = 'bid_requests';
const SUBJECT = `${TOPIC}-value`;

/** bid-request v2 with an array of nulls first; the default keeps it BACKWARD_TRANSITIVE */
function hostileSchema(field = 'padding'): string {
  const v2 = JSON.parse(bidRequestSchemaText(2)) as { fields: unknown[] };
  return JSON.stringify({
    ...v2,
    fields: [{ name: field, type: { type: 'array', items: 'null' }, default: [] }, ...v2.fields],
  });
}

const raw = (offset: number, value: Buffer): RawRecord => ({
  topic: TOPIC,
  partition: 0,
  offset: String(offset),
  key: Buffer.from('user-1'),
  value,
  headers: {},
  timestamp: String(Date.UTC(2026, 0, 1)),
});

const batchOf = (records: RawRecord[]): SourceBatch => ({
  id: batchId(TOPIC, 0, records[0]?.offset ?? '0', records.at(-1)?.offset ?? '0'),
  topic: TOPIC,
  kind: 'bid_request',
  partition: 0,
  firstOffset: records[0]?.offset ?? '0',
  lastOffset: records.at(-1)?.offset ?? '0',
  records,
});

/** `00 <id> <count varint> 00 <a normal v2 body>` */
function poison(id: number, countVarint: number[]): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  const body = bidRequestType(2).toBuffer({ ...bidV2, timestamp: Date.UTC(2026, 0, 1) });
  return Buffer.concat([header, Buffer.from(countVarint), Buffer.from([0]), body]);
}

const zigzagVarint = (n: number): number[] => {
  const out: number[] = [];
  let v = BigInt(n) * 2n;
  while (v >= 0x80n) {
    out.push(Number((v & 0x7fn) | 0x80n));
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
};

async function setUp() {
  const registry = new MemorySchemaRegistry();
  await registry.register(SUBJECT, bidRequestSchemaText(1));
  const v2 = await registry.register(SUBJECT, bidRequestSchemaText(2));
  const hostile = await registry.register(SUBJECT, hostileSchema());
  const decoder = new WireRecordDecoder(registry, { maxRecordBytes: 64 * 1024 });
  return { registry, decoder, v2, hostile };
}

describe('the poison Avro record of issue 12', () => {
  it('is the bytes the issue names: 00 <id> feffffffffffff1f 00 before a normal body', async () => {
    const { hostile } = await setUp();
    const bytes = poison(hostile, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]);
    expect(bytes.subarray(5, 14).toString('hex')).toBe('feffffffffffff1f00');
    // the count it claims: about 2^52 items
    let varint = 0n;
    bytes.subarray(5, 13).forEach((b, i) => (varint |= BigInt(b & 0x7f) << BigInt(7 * i)));
    const count = varint % 2n === 0n ? varint / 2n : -(varint + 1n) / 2n;
    expect(count > 2n ** 51n).toBe(true);
  });

  it('is rejected as corrupt_payload, and the records around it decode', async () => {
    const { decoder, v2, hostile } = await setUp();
    const good = (n: number) =>
      encodeConfluentAvro(v2, bidRequestType(2), {
        ...bidV2,
        bid_request_id: `br-${n}`,
        timestamp: Date.UTC(2026, 0, 1),
      });
    const records = await decoder.decode(
      batchOf([
        raw(0, good(0)),
        raw(1, poison(hostile, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f])),
        raw(2, good(2)),
      ]),
    );
    expect(records.map((r) => r.payload.ok)).toEqual([true, false, true]);
    const rejected = records[1]?.payload;
    expect(rejected?.ok === false && rejected.rejection).toMatchObject({
      reason: 'corrupt_payload',
      path: 'padding',
    });
    expect(rejected?.ok === false && rejected.rejection.detail).toMatch(/block of \d+ items/);
    expect(records[1]?.source.schemaId).toBe(hostile);

    // and through the domain: rejected with its reason, the others accepted, counts conserved
    const outcome = processBatch(
      initialPipelineState(pipelineRules()),
      records,
      Date.UTC(2026, 0, 1, 0, 5),
    );
    expect(outcome.counts).toMatchObject({ received: 3, accepted: 2, rejected: 1, duplicates: 0 });
    expect(outcome.rejections[0]?.source.offset).toBe('1');
  });

  it('a count of 1e8 (which avsc took 248 ms to walk, and accepted) is rejected too', async () => {
    const { decoder, hostile } = await setUp();
    const [record] = await decoder.decode(batchOf([raw(0, poison(hostile, zigzagVarint(1e8)))]));
    expect(record?.payload.ok).toBe(false);
  });

  it('a small honest count of padding items is read as usual', async () => {
    const { decoder, hostile } = await setUp();
    const [record] = await decoder.decode(batchOf([raw(0, poison(hostile, zigzagVarint(3)))]));
    expect(record?.payload.ok).toBe(true);
  });

  it('an id registered under another subject is unknown_schema, not read with that schema', async () => {
    const { registry, decoder } = await setUp();
    const foreign = await registry.register('some_other_topic-value', hostileSchema('other'));
    const [record] = await decoder.decode(batchOf([raw(0, poison(foreign, zigzagVarint(0)))]));
    expect(record?.payload.ok === false && record.payload.rejection.reason).toBe('unknown_schema');
  });
});
