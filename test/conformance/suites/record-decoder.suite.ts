import {
  bidRequestSchemaText,
  bidRequestType,
  encodeClickRow,
  encodeConfluentAvro,
  encodeImpression,
} from '../../../adapters/codecs';
import type { SourceKind, SourceRecord } from '../../../domain';
import { batchId, type RawRecord, type RecordDecoder, type SchemaRegistry } from '../../../ports';
import { SLOW_MS, uniqueName } from '../support/conformance-kit';

export interface RecordDecoderHarness {
  /** the registry the decoder asks; the suite registers its writer schemas there */
  readonly registry: SchemaRegistry;
  /** a decoder with this size limit, reading subjects by TopicNameStrategy (`<topic>-value`) */
  readonly decoder: (maxRecordBytes: number) => RecordDecoder;
  cleanup?: () => Promise<void>;
}

const TIME = Date.UTC(2026, 0, 1);

/**
 * The RecordDecoder contract: one SourceRecord per raw record, in order, with its coordinates and
 * format; the size limit checked before parsing; writer schemas found under the topic's subject
 * only; hostile bodies refused with a reason. Topics are unique per test, so subjects are too.
 */
export function recordDecoderConformance(
  name: string,
  make: () => Promise<RecordDecoderHarness>,
): void {
  describe(`RecordDecoder conformance: ${name}`, () => {
    let harness: RecordDecoderHarness;
    beforeEach(async () => {
      harness = await make();
    });
    afterEach(async () => {
      await harness.cleanup?.();
    });

    const batch = (kind: SourceKind, topic: string, values: (Buffer | null)[]) => {
      const records: RawRecord[] = values.map((value, i) => ({
        topic,
        partition: 2,
        offset: String(100 + i),
        key: Buffer.from('user-1'),
        value,
        headers: { h: 'v' },
        timestamp: String(TIME),
      }));
      const last = String(100 + values.length - 1);
      return {
        id: batchId(topic, 2, '100', last),
        topic,
        kind,
        partition: 2,
        firstOffset: '100',
        lastOffset: last,
        records,
      };
    };
    const reasons = (records: readonly SourceRecord[]) =>
      records.map((r) => (r.payload.ok ? 'ok' : r.payload.rejection.reason));

    async function bidTopic() {
      const topic = uniqueName('bids');
      const subject = `${topic}-value`;
      await harness.registry.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
      const v1 = await harness.registry.register(subject, bidRequestSchemaText(1));
      const v2 = await harness.registry.register(subject, bidRequestSchemaText(2));
      return { topic, v1, v2 };
    }
    const bid = (id: number, version: 1 | 2, n: number): Buffer =>
      encodeConfluentAvro(id, bidRequestType(version), {
        bid_request_id: `br-${n}`,
        timestamp: TIME,
        user_id: 'user-1',
        campaign_id: 'cmp-1',
        publisher_id: 'pub-1',
        ad_id: null,
        device_type: 'MOBILE',
        country: 'US',
        bid_floor_micros: 10,
        bid_price_micros: null,
        won: false,
        ...(version === 2 ? { win_price_micros: null, deal_id: null } : {}),
      });

    it(
      'gives one record per raw record, in order, with coordinates, format and schema id',
      async () => {
        const { topic, v1, v2 } = await bidTopic();
        const out = await harness
          .decoder(64 * 1024)
          .decode(batch('bid_request', topic, [bid(v2, 2, 1), bid(v1, 1, 2), null]));
        expect(out.map((r) => r.source)).toEqual([
          { topic, partition: 2, offset: '100', format: 'avro', schemaId: v2 },
          { topic, partition: 2, offset: '101', format: 'avro', schemaId: v1 },
          { topic, partition: 2, offset: '102', format: 'avro' },
        ]);
        expect(reasons(out)).toEqual(['ok', 'ok', 'corrupt_payload']);
        expect(out.every((r) => r.kind === 'bid_request')).toBe(true);
      },
      SLOW_MS,
    );

    it('decodes JSON impressions and CSV clicks, refusing what is larger than the limit unread', async () => {
      const decoder = harness.decoder(1024);
      const doc = encodeImpression({ impression_id: 'imp-1', timestamp: TIME });
      const huge = encodeImpression({ impression_id: 'x'.repeat(2000) });
      const json = await decoder.decode(batch('impression', uniqueName('imps'), [doc, huge]));
      expect(reasons(json)).toEqual(['ok', 'too_large']);
      expect(json.map((r) => r.sizeBytes)).toEqual([doc.length, huge.length]);
      const csv = await decoder.decode(
        batch('click_or_conversion', uniqueName('clicks'), [encodeClickRow(['click', 'clk-1'])]),
      );
      expect(csv[0]?.payload).toEqual({ ok: true, value: ['click', 'clk-1'] });
      expect(csv[0]?.source.format).toBe('csv');
    });

    it(
      'reads an id only under the topic subject: another topic id and an unissued id are unknown_schema',
      async () => {
        const mine = await bidTopic();
        const theirs = await bidTopic();
        const foreignSchema = JSON.parse(bidRequestSchemaText(2)) as { fields: unknown[] };
        foreignSchema.fields.push({ name: 'only_theirs', type: ['null', 'long'], default: null });
        const foreign = await harness.registry.register(
          `${theirs.topic}-value`,
          JSON.stringify(foreignSchema),
        );
        const out = await harness
          .decoder(64 * 1024)
          .decode(
            batch('bid_request', mine.topic, [
              bid(foreign, 2, 1),
              bid(2_000_000_000, 2, 2),
              bid(mine.v2, 2, 3),
            ]),
          );
        expect(reasons(out)).toEqual(['unknown_schema', 'unknown_schema', 'ok']);
      },
      SLOW_MS,
    );

    it(
      'refuses a body whose array count exceeds its bytes (the poison record) and goes on',
      async () => {
        const { topic } = await bidTopic();
        const hostile = JSON.parse(bidRequestSchemaText(2)) as { fields: unknown[] };
        hostile.fields.unshift({
          name: 'pad',
          type: { type: 'array', items: 'null' },
          default: [],
        });
        const id = await harness.registry.register(`${topic}-value`, JSON.stringify(hostile));
        const poison = Buffer.concat([
          Buffer.from([0, 0, 0, 0, 0]),
          Buffer.from('feffffffffffff1f00', 'hex'),
          bid(0, 2, 9).subarray(5),
        ]);
        poison.writeInt32BE(id, 1);
        const out = await harness.decoder(64 * 1024).decode(batch('bid_request', topic, [poison]));
        expect(out[0]?.payload).toMatchObject({
          ok: false,
          rejection: { reason: 'corrupt_payload', path: 'pad' },
        });
      },
      SLOW_MS,
    );
  });
}
