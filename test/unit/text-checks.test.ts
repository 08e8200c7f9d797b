/**
 * Text is checked the same way in every format: a field whose bytes are not UTF-8, or whose JSON
 * spells a lone UTF-16 surrogate, makes the record invalid_value at that field's path. Nothing is
 * turned into U+FFFD on the way, so two distinct ids can never arrive as one.
 */
import {
  bidRequestSchemaText,
  bidRequestType,
  encodeConfluentAvro,
  WireRecordDecoder,
} from '../../adapters/codecs';
import { MemorySchemaRegistry } from '../../adapters/memory/memory-schema-registry';
import { initialPipelineState, pipelineRules, processBatch, type SourceKind } from '../../domain';
import type { Rejection } from '../../domain';
import { batchOfValues } from '../support/source-batch';
import { bidV2 } from '../support/codec-fixtures';

const NOW = Date.UTC(2026, 0, 1, 0, 5);
const TIME = Date.UTC(2026, 0, 1);
const TOPICS: Record<SourceKind, string> = {
  impression: 'impressions',
  click_or_conversion: 'clicks',
  bid_request: 'bid_requests',
};

async function decoder() {
  const registry = new MemorySchemaRegistry();
  const id = await registry.register('bid_requests-value', bidRequestSchemaText(2));
  return { decoder: new WireRecordDecoder(registry, { maxRecordBytes: 64 * 1024 }), id };
}

const batch = (kind: SourceKind, values: Buffer[]) => batchOfValues(kind, TOPICS[kind], values);

/** decode + validate: each record's rejection, or 'accepted' */
async function outcomes(kind: SourceKind, values: Buffer[]): Promise<(Rejection | 'accepted')[]> {
  const { decoder: d } = await decoder();
  const records = await d.decode(batch(kind, values));
  const outcome = processBatch(initialPipelineState(pipelineRules()), records, NOW);
  expect(outcome.counts.received).toBe(values.length);
  return records.map(
    (r) =>
      outcome.rejections.find((x) => x.source.offset === r.source.offset)?.rejection ?? 'accepted',
  );
}

const impressionJson = (id: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    impression_id: id,
    timestamp: TIME,
    user_id: 'user-1',
    campaign_id: 'cmp-1',
    ad_id: 'ad-1',
    publisher_id: 'pub-1',
    win_price_micros: 10,
    ...extra,
  });

describe('JSON impressions', () => {
  it('a lone surrogate spelled as an escape is invalid_value at its field', async () => {
    const [r] = await outcomes('impression', [Buffer.from(impressionJson('imp-1\ud800'))]);
    expect(r).toEqual({
      reason: 'invalid_value',
      path: 'impression_id',
      detail: 'impression_id holds a lone UTF-16 surrogate',
    });
  });

  it('so does a lone low surrogate, one in a field the contract does not know, and one in a key', async () => {
    const rs = await outcomes('impression', [
      Buffer.from(impressionJson('imp-2\udc00x')),
      Buffer.from(impressionJson('imp-3', { note: { text: ['ok', 'x\ud834'] } })),
      Buffer.from(impressionJson('imp-4', { 'k\ud800': 1 })),
    ]);
    expect(rs.map((r) => r !== 'accepted' && [r.reason, r.path])).toEqual([
      ['invalid_value', 'impression_id'],
      ['invalid_value', 'note.text.1'],
      ['invalid_value', ''],
    ]);
  });

  it('a proper surrogate pair (an emoji) is text and is accepted', async () => {
    expect(await outcomes('impression', [Buffer.from(impressionJson('imp-\ud83d\ude00'))])).toEqual(
      ['accepted'],
    );
  });

  it('bytes that are not UTF-8 are invalid_value at the field that holds them', async () => {
    const [r] = await outcomes('impression', [
      Buffer.from(impressionJson('imp-5').replace('user-1', 'user-\u00e9'), 'latin1'),
    ]);
    expect(r).toEqual({
      reason: 'invalid_value',
      path: 'user_id',
      detail: 'user_id is not valid UTF-8',
    });
  });
});

describe('CSV clicks', () => {
  const line = (userBytes: Buffer): Buffer =>
    Buffer.concat([
      Buffer.from(`click,clk-1,${TIME},`),
      userBytes,
      Buffer.from(',cmp-1,ad-1,pub-1,,'),
    ]);

  it('bytes that are not UTF-8 (a CESU-8 surrogate, a Latin-1 byte) are invalid_value at the column', async () => {
    const rs = await outcomes('click_or_conversion', [
      line(Buffer.from([0x75, 0xed, 0xa0, 0x80])),
      line(Buffer.from([0x75, 0xe9])),
      line(Buffer.from('user-1')),
    ]);
    expect(rs.map((r) => (r === 'accepted' ? r : [r.reason, r.path]))).toEqual([
      ['invalid_value', 'user_id'],
      ['invalid_value', 'user_id'],
      'accepted',
    ]);
  });
});

describe('Avro bid requests', () => {
  it('a string that is not UTF-8 is invalid_value at its field, not U+FFFD', async () => {
    const { id } = await decoder();
    const good = encodeConfluentAvro(id, bidRequestType(2), { ...bidV2, timestamp: TIME });
    // user_id "user-1" is written as 0x0c then its six bytes: make the last one a stray 0xff
    const at = good.indexOf(Buffer.from('user-1')) + 5;
    const bad = Buffer.from(good);
    bad[at] = 0xff;
    const rs = await outcomes('bid_request', [bad, good]);
    expect(rs).toEqual([
      { reason: 'invalid_value', path: 'user_id', detail: 'user_id is not valid UTF-8' },
      'accepted',
    ]);
  });
});
