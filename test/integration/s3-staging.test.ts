/**
 * Staging through the real S3 adapter (local S3 server): stageBatch writes gzip NDJSON under
 * `staging/<table>/dt=YYYY-MM-DD/<batchId>.ndjson.gz`; reading it back gives the rows that went in,
 * and staging the same batch again overwrites instead of adding. Also the gzip CSV rendering for
 * Redshift COPY, staged under the same layout with the `csv.gz` extension.
 */
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import type { AdEvent, Attribution } from '../../domain';
import { renderAdEventsCsv } from '../../adapters/s3/csv-staging';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { FACT_TABLE, stageBatch, stagingKey } from '../../src/pipeline/staging';
import { dropBucket, recordRequests, requireS3, testS3Config, uniqueBucket } from '../support/s3';
import { stagedNdjsonRows } from '../support/staged-ndjson';

const DAY1 = Date.UTC(2026, 10, 25, 23, 59, 59, 999);
const DAY2 = Date.UTC(2026, 10, 26, 0, 0, 0, 0);
const BATCH = 'impressions-2-100-107';

function event(
  eventType: AdEvent['eventType'],
  n: number,
  eventTime: number,
  extra: Partial<AdEvent> = {},
): AdEvent {
  return {
    eventId: `${eventType}-${n}`,
    eventType,
    eventTime,
    userId: `u-${n % 3}`,
    campaignId: 'c-1',
    source: { topic: 'impressions', partition: 2, offset: String(100 + n), format: 'json' },
    ...extra,
  };
}

const events: AdEvent[] = [
  event('impression', 0, DAY1, { costMicros: 1_250, country: 'DE', deviceType: 'mobile' }),
  event('impression', 1, DAY2, { costMicros: 900, publisherId: 'p-9' }),
  event('impression', 2, DAY2 + 1000),
  event('click', 3, DAY2 + 2000, { impressionId: 'impression-1' }),
  event('conversion', 4, DAY2 + 3000, { revenueMicros: 19_990_000 }),
  event('bid_request', 5, DAY1 - 1000, { bidFloorMicros: 100, bidPriceMicros: 150, won: true }),
];
const attributions: Attribution[] = [
  {
    partition: 2,
    eventType: 'click',
    eventId: 'click-3',
    eventTime: DAY2 + 2000,
    userId: 'u-0',
    campaignId: 'c-1',
    model: 'explicit',
    touch: { eventType: 'impression', eventId: 'impression-1', eventTime: DAY2 },
    late: false,
  },
];

const bucket = uniqueBucket('it-staging');
const store = new S3ObjectStore(testS3Config(bucket));
const KEY_LAYOUT = /^staging\/([a-z_]+)\/dt=(\d{4}-\d{2}-\d{2})\/([^/]+)\.ndjson\.gz$/;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

async function readNdjson(key: string): Promise<unknown[]> {
  const stored = await store.get(key);
  if (!stored) throw new Error(`${key} is not in the bucket`);
  return stagedNdjsonRows(stored.body);
}

beforeAll(async () => {
  await requireS3();
  await store.ensureBucket();
}, 30_000);

afterAll(async () => {
  await dropBucket(store.client, bucket);
  store.close();
}, 60_000);

it('stages a batch as gzip NDJSON per table and day, and reads back the same rows', async () => {
  const sent = recordRequests(store.client);
  const staged = await stageBatch(store, BATCH, events, attributions);

  const expected = new Map<string, object[]>();
  const add = (key: string, row: object) => expected.set(key, [...(expected.get(key) ?? []), row]);
  for (const e of events) add(stagingKey(FACT_TABLE[e.eventType], dayOf(e.eventTime), BATCH), e);
  for (const a of attributions) add(stagingKey('fact_attribution', dayOf(a.eventTime), BATCH), a);

  expect(staged.map((s) => s.key).sort()).toEqual([...expected.keys()].sort());
  expect(await store.list('staging/')).toEqual([...expected.keys()].sort());
  expect(await store.list('staging/fact_impression/')).toEqual([
    `staging/fact_impression/dt=2026-11-25/${BATCH}.ndjson.gz`,
    `staging/fact_impression/dt=2026-11-26/${BATCH}.ndjson.gz`,
  ]);

  for (const s of staged) {
    const [, table, day, batchId] = KEY_LAYOUT.exec(s.key) ?? [];
    expect([table, batchId]).toEqual([s.table, BATCH]);
    const rows = await readNdjson(s.key);
    expect(rows).toEqual(expected.get(s.key));
    for (const row of rows) expect(dayOf((row as { eventTime: number }).eventTime)).toBe(day);
    const stored = await store.get(s.key);
    expect(stored?.contentType).toBe('application/x-ndjson');
    expect(stored?.metadata).toEqual({ 'batch-id': BATCH, rows: String(rows.length) });
    expect(stored?.body.length).toBe(s.bytes);
  }
  // every staging put asked for server-side encryption
  const puts = sent.filter((r) => r.method === 'PUT');
  expect(puts).toHaveLength(staged.length);
  for (const put of puts) expect(put.headers['x-amz-server-side-encryption']).toBe('AES256');
});

it('staging the same batch again leaves exactly one object per key, with the new content', async () => {
  const first = await stageBatch(store, `${BATCH}-retry`, events, attributions);
  const keysAfterFirst = await store.list('staging/');
  const second = await stageBatch(store, `${BATCH}-retry`, events, attributions);
  expect(second).toEqual(first);
  expect(await store.list('staging/')).toEqual(keysAfterFirst);
  for (const s of second) {
    expect(keysAfterFirst.filter((k) => k === s.key)).toHaveLength(1);
  }
  // a retry that carries different rows (a re-cut batch) replaces the object, never merges
  const impressionsOnly = events.filter((e) => e.eventType === 'impression').slice(0, 1);
  const [third] = await stageBatch(store, `${BATCH}-retry`, impressionsOnly, []);
  expect(third?.key).toBe(stagingKey('fact_impression', '2026-11-25', `${BATCH}-retry`));
  expect(await readNdjson(third?.key ?? '')).toEqual(impressionsOnly);
  expect(await store.list('staging/')).toEqual(keysAfterFirst);
});

it('stages gzip CSV for Redshift COPY under the same layout, NULL distinct from empty', async () => {
  const tricky = event('impression', 7, DAY2, {
    adId: '',
    publisherId: 'pub, "quoted"\nand a line break\r',
    costMicros: 0,
    won: false,
  });
  const rows = [...events.filter((e) => e.eventType === 'impression'), tricky];
  const csv = renderAdEventsCsv(BATCH, rows);
  expect(csv.rows).toBe(rows.length);
  const key = stagingKey('fact_impression', '2026-11-26', BATCH, 'csv.gz');
  expect(key).toBe(`staging/fact_impression/dt=2026-11-26/${BATCH}.csv.gz`);
  await store.put(key, csv.body, 'text/csv', { 'batch-id': BATCH, rows: String(csv.rows) });

  const stored = await store.get(key);
  const text = gunzipSync(stored?.body ?? new Uint8Array()).toString('utf8');
  const parsed = parse(text, {
    columns: [...csv.columns],
    // an unquoted empty field is NULL, a quoted one the empty string (the COPY convention)
    cast: (value, context) => (value === '' && !context.quoting ? null : value),
  }) as Record<string, string | null>[];
  expect(parsed).toHaveLength(rows.length);
  expect(parsed[0]).toMatchObject({
    event_id: 'impression-0',
    event_type: 'impression',
    event_time: '2026-11-25 23:59:59.999',
    cost_micros: '1250',
    country: 'DE',
    device_type: 'mobile',
    ad_id: null,
    won: null,
    source_topic: 'impressions',
    source_partition: '2',
    source_offset: '100',
    source_schema_id: null,
    batch_id: BATCH,
  });
  expect(parsed.at(-1)).toMatchObject({
    ad_id: '',
    publisher_id: tricky.publisherId,
    cost_micros: '0',
    won: 'false',
  });
});
