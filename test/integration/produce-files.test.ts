/**
 * `adx produce --file`: NDJSON impressions, CSV click/conversion rows and an Avro container file
 * of bid requests are replayed into the source topics keyed by user, and the pipeline accepts
 * every record exactly as it would from the project's own producers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileEncoder } from 'avsc';
import { bidRequestType } from '../../adapters/codecs/bid-request-avro';
import { confluentSchemaId } from '../../adapters/codecs/confluent-avro';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { produce } from '../../src/cli/produce';
import { partitionForKey } from '../../src/simulator/partitioner';
import { adEventDecoder } from '../support/ad-event-avro';
import { dropRun, readTopic } from '../support/kafka-topics-io';
import { requireStack, STACK, testKafka, uniqueRunName } from '../support/stack';
import { realConfig, startService, waitUntilReceived } from './support/real-service';

const run = uniqueRunName('it-files');
const prefix = `${run}.`;
const config = realConfig(prefix);
const kafka = testKafka();
const dir = mkdtempSync(join(tmpdir(), 'adx-files-'));
const now = Date.now();
const user = (n: number): string => `${run}-user-${n}`;

const impressions = [1, 2, 3].map((n) => ({
  impression_id: `${run}-imp-${n}`,
  timestamp: new Date(now - 600_000 + n * 1000).toISOString(),
  user_id: user(n),
  campaign_id: 'cmp-files',
  ad_id: 'ad-1',
  publisher_id: 'pub-1',
  win_price_micros: 1000 * n,
}));
const clickRows = [
  [
    'click',
    `${run}-clk-1`,
    String(now - 500_000),
    user(1),
    'cmp-files',
    'ad-1',
    'pub-1',
    `${run}-imp-1`,
    '',
  ],
  [
    'conversion',
    `${run}-cnv-1`,
    String(now - 400_000),
    user(1),
    'cmp-files',
    'ad-1',
    'pub-1',
    '',
    '12.50',
    'mobile',
    'DE',
  ],
];
const bidRequests = [1, 2].map((n) => ({
  bid_request_id: `${run}-br-${n}`,
  timestamp: now - 700_000 + n,
  user_id: user(n),
  campaign_id: 'cmp-files',
  publisher_id: 'pub-1',
  ad_id: null,
  device_type: 'DESKTOP',
  country: 'US',
  bid_floor_micros: 500,
  bid_price_micros: 800,
  won: n === 1,
}));

beforeAll(async () => {
  await requireStack();
  writeFileSync(
    join(dir, 'impressions.ndjson'),
    impressions.map((d) => JSON.stringify(d)).join('\n') + '\n',
  );
  writeFileSync(join(dir, 'clicks.csv'), clickRows.map((r) => r.join(',')).join('\n') + '\n');
  await new Promise<void>((resolve, reject) => {
    const encoder = createFileEncoder(join(dir, 'bids.avro'), bidRequestType(1));
    encoder.on('finish', resolve).on('error', reject);
    for (const r of bidRequests) encoder.write(r);
    encoder.end();
  });
});
afterAll(() => dropRun(kafka, prefix));

it('replays each file type into its topic, keyed and partitioned by user', async () => {
  const result = await produce(config, {
    files: [join(dir, 'impressions.ndjson'), join(dir, 'clicks.csv'), join(dir, 'bids.avro')],
  });
  expect(result.produced).toEqual({
    [config.topics.impressions]: 3,
    [config.topics.clicks]: 2,
    [config.topics.bidRequests]: 2,
  });
  for (const topic of [
    config.topics.impressions,
    config.topics.clicks,
    config.topics.bidRequests,
  ]) {
    for (const r of await readTopic(kafka, topic)) {
      const key = r.key?.toString('utf8') ?? '';
      expect(key.startsWith(`${run}-user-`)).toBe(true);
      expect(r.partition).toBe(partitionForKey(key, config.partitions));
      if (topic === config.topics.bidRequests)
        expect(confluentSchemaId(r.value as Buffer)).toBeGreaterThan(0);
    }
  }
});

it('the pipeline accepts every replayed record', async () => {
  const service = startService(config);
  try {
    await waitUntilReceived([service], 7);
    const s = service.service();
    expect(s?.totals).toMatchObject({ received: 7, accepted: 7, rejected: 0, duplicates: 0 });
  } finally {
    await service.stop();
  }
  const decode = adEventDecoder(new ConfluentSchemaRegistry({ url: STACK.registryUrl }));
  const records = await readTopic(kafka, config.topics.adEvents);
  const events = (await Promise.all(records.map((r) => decode(r.value as Buffer)))).map(
    (d) => d.event,
  );
  expect(events.map((e) => e.eventId).sort()).toEqual(
    [
      ...impressions.map((d) => d.impression_id),
      `${run}-clk-1`,
      `${run}-cnv-1`,
      ...bidRequests.map((b) => b.bid_request_id),
    ].sort(),
  );
  expect(events.find((e) => e.eventId === `${run}-cnv-1`)?.revenueMicros).toBe(12_500_000);
});
