/**
 * Records from a client outside the project: impressions (JSON) and clicks and a conversion (CSV
 * lines) written by kcat (librdkafka) are read, validated and published like any other.
 *
 * kcat is told `-X topic.partitioner=murmur2_random`: librdkafka's default partitioner
 * (consistent_random, CRC32) differs from the Java client's and kafkajs's murmur2, and
 * co-partitioning (a user's impressions and clicks in the same partition number of every source
 * topic) only holds when every producer hashes keys alike. The test checks that it does.
 */
import { spawnSync } from 'node:child_process';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import type { AdEvent } from '../../domain';
import { sourceTopicSpecs } from '../../src/cli/topic-specs';
import { partitionForKey } from '../../src/simulator/partitioner';
import { adEventDecoder } from '../support/ad-event-avro';
import { dropRun, readTopic } from '../support/kafka-topics-io';
import {
  requireStack,
  STACK,
  TEST_PSEUDONYMIZATION_KEY,
  testKafka,
  uniqueRunName,
} from '../support/stack';
import { realConfig, startService, waitUntilReceived } from './support/real-service';

const run = uniqueRunName('it-kcat');
const prefix = `${run}.`;
const config = realConfig(prefix);
const kafka = testKafka();
const now = Date.now();
const user = (n: number): string => `${run}-user-${n}`;
const iso = (ms: number): string => new Date(ms).toISOString();
/** the same instant written in India Standard Time, e.g. 2026-11-26T10:00:00.000+05:30 */
const isoAt530 = (ms: number): string => `${iso(ms + 330 * 60_000).slice(0, 23)}+05:30`;

const impressions = [
  {
    impression_id: `${run}-imp-1`,
    timestamp: iso(now - 300_000),
    user_id: user(1),
    campaign_id: 'cmp-kcat',
    ad_id: 'ad-1',
    publisher_id: 'pub-1',
    win_price_micros: 1_500,
  },
  {
    impression_id: `${run}-imp-2`,
    timestamp: now - 240_000,
    user_id: user(2),
    campaign_id: 'cmp-kcat',
    ad_id: 'ad-2',
    publisher_id: 'pub-2',
    device_type: 'ctv',
    country: 'FR',
    win_price_micros: 2_750,
    bid_request_id: `${run}-br-2`,
    placement_id: 'slot-9',
  },
  {
    impression_id: `${run}-imp-3`,
    timestamp: isoAt530(now - 200_000),
    user_id: user(3),
    campaign_id: 'cmp-kcat',
    ad_id: 'ad-3',
    publisher_id: 'pub-3',
    win_price_micros: 900,
  },
];
/** event_type,event_id,timestamp,user_id,campaign_id,ad_id,publisher_id,impression_id,revenue[,device_type,country] */
const clicks = [
  [
    'click',
    `${run}-clk-1`,
    iso(now - 290_000),
    user(1),
    'cmp-kcat',
    'ad-1',
    'pub-1',
    `${run}-imp-1`,
    '',
  ],
  [
    'click',
    `${run}-clk-2`,
    String(now - 230_000),
    user(2),
    'cmp-kcat',
    'ad-2',
    'pub-2',
    '',
    '',
    'mobile',
    'DE',
  ],
  ['conversion', `${run}-cnv-3`, iso(now - 100_000), user(3), 'cmp-kcat', '', 'pub-3', '', '12.50'],
];

function kcatProduce(topic: string, lines: readonly string[]): void {
  const result = spawnSync(
    'kcat',
    [
      '-P',
      '-b',
      STACK.brokers.join(','),
      '-t',
      topic,
      '-K',
      '|',
      '-X',
      'topic.partitioner=murmur2_random',
    ],
    { input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 30_000 },
  );
  if (result.status !== 0) throw new Error(`kcat failed (${result.status}): ${result.stderr}`);
}

let events: AdEvent[];

beforeAll(async () => {
  await requireStack();
  const version = spawnSync('kcat', ['-V'], { encoding: 'utf8' });
  if (version.status !== 0) {
    throw new Error('kcat is not installed: apt-get install -y kcat (Debian package)');
  }
  await ensureTopics(kafka, sourceTopicSpecs(config));
  kcatProduce(
    config.topics.impressions,
    impressions.map((d) => `${d.user_id}|${JSON.stringify(d)}`),
  );
  kcatProduce(
    config.topics.clicks,
    clicks.map((f) => `${f[3]}|${f.join(',')}`),
  );
  const running = startService(config);
  await waitUntilReceived([running], impressions.length + clicks.length, 60_000);
  const { service } = await running.stop();
  expect(service.totals).toMatchObject({ accepted: 6, rejected: 0, duplicates: 0 });
  const decode = adEventDecoder(new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' }));
  const records = await readTopic(kafka, config.topics.adEvents);
  events = await Promise.all(
    records.map(async (r) => (await decode(r.value ?? Buffer.alloc(0))).event),
  );
});

afterAll(async () => {
  await dropRun(kafka, prefix);
});

const byId = (id: string): AdEvent | undefined => events.find((e) => e.eventId === id);

it('accepts every record kcat wrote, normalized from JSON and CSV', () => {
  const pseudonym = (n: number) =>
    new HmacPseudonymizer(Buffer.from(TEST_PSEUDONYMIZATION_KEY, 'hex')).pseudonymize(user(n));
  expect(events).toHaveLength(6);
  expect(byId(`${run}-imp-1`)).toMatchObject({
    eventType: 'impression',
    eventTime: now - 300_000,
    userId: pseudonym(1),
    costMicros: 1_500,
    source: { topic: config.topics.impressions, format: 'json' },
  });
  expect(byId(`${run}-imp-2`)).toMatchObject({
    eventTime: now - 240_000,
    deviceType: 'ctv',
    country: 'FR',
    costMicros: 2_750,
  });
  expect(byId(`${run}-imp-3`)).toMatchObject({ eventTime: now - 200_000, costMicros: 900 });
  expect(byId(`${run}-clk-1`)).toMatchObject({
    eventType: 'click',
    impressionId: `${run}-imp-1`,
    userId: pseudonym(1),
    source: { topic: config.topics.clicks, format: 'csv' },
  });
  expect(byId(`${run}-clk-2`)).toMatchObject({
    eventType: 'click',
    eventTime: now - 230_000,
    deviceType: 'mobile',
    country: 'DE',
  });
  expect(byId(`${run}-cnv-3`)).toMatchObject({
    eventType: 'conversion',
    revenueMicros: 12_500_000,
    userId: pseudonym(3),
  });
});

it("puts each record where kafkajs and the Java client would (murmur2), so a user's sources share a partition", () => {
  for (let n = 1; n <= 3; n++) {
    const expected = partitionForKey(user(n), config.partitions);
    const own = events.filter((e) => e.eventId.endsWith(`-${n}`));
    expect(own).toHaveLength(2);
    for (const e of own)
      expect({ id: e.eventId, partition: e.source.partition }).toEqual({
        id: e.eventId,
        partition: expected,
      });
  }
});
