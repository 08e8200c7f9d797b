/**
 * Catch-up on the real stack, as issue 9 reproduced it: three simulated days are produced onto
 * Kafka — and then the very same records once more, a replay of the period — before the
 * real-profile service starts, so its batches span hours of event time and the topics interleave
 * as the broker hands them over. Once the inputs are caught up and idle, the warehouse (Postgres,
 * staged through S3Proxy) must hold exactly what the offline reference computes over the topics'
 * records: the second copy all duplicates, no valid record rejected as late, every attribution
 * as the reference gives it.
 */
import type { Knex } from 'knex';
import type { Kafka } from 'kafkajs';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { DAY_MS, pendingAttributions } from '../../domain';
import { produce } from '../../src/cli/produce';
import type { AppConfig } from '../../src/config/config';
import { sourceTopics } from '../../src/container/app-tokens';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { dropRun, readTopic, type ReadRecord } from '../support/kafka-topics-io';
import { referenceCreditsById, referenceOutcome } from '../support/offline-reference';
import { creditRows, creditsById } from '../support/warehouse-credits';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { decodedTopicPartitions } from '../support/reference-input';
import { dropBucket, requireS3, s3StagingEnv, testS3Config, uniqueBucket } from '../support/s3';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import {
  requireStack,
  TEST_PSEUDONYMIZATION_KEY,
  testKafka,
  uniqueRunName,
  waitFor,
} from '../support/stack';
import { realConfig, startService, waitUntilReceived } from './support/real-service';

const COUNT = 15_000;
const prefix = `${uniqueRunName('it-catchup')}.`;
const bucket = uniqueBucket('catchup');
const kafka = testKafka();

let database: TestDatabase;
let db: Knex;
let config: AppConfig;
let service: PipelineService;
let records: ReadRecord[];

/** Sends every record again to its own partition, in offset order: the same period replayed. */
async function resend(client: Kafka, all: readonly ReadRecord[]): Promise<void> {
  const producer = client.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < all.length; i += 500) {
      const chunk = all.slice(i, i + 500);
      const byTopic = new Map<string, ReadRecord[]>();
      for (const r of chunk) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((r) => ({
            partition: r.partition,
            key: r.key,
            value: r.value,
            headers: r.headers,
          })),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

const readSources = async (): Promise<ReadRecord[]> =>
  (await Promise.all([...sourceTopics(config).keys()].map((t) => readTopic(kafka, t)))).flat();

beforeAll(async () => {
  await requireStack();
  await requireS3();
  database = await createTestDatabase('catch_up', { migrated: true });
  db = createPostgresKnex({ connectionString: database.url, poolMax: 2 });
  config = realConfig(prefix, {
    ADX_WAREHOUSE: 'postgres',
    DATABASE_URL: database.url,
    ...s3StagingEnv(bucket),
    ADX_SIM_USERS: '2000',
    ADX_BATCH_SIZE: '2000',
    // once everything is read, quiet inputs let the last clicks and conversions go
    ADX_IDLE_TIMEOUT: '2s',
  });
  // three days of event time, ending a minute ago
  await produce(config, {
    count: COUNT,
    seed: 20_261_201,
    eventTimeStepMs: (3 * DAY_MS - 120_000) / COUNT,
  });
  await resend(
    kafka,
    (await readSources()).sort((a, b) => Number(a.offset) - Number(b.offset)),
  );

  const running = startService(config);
  await waitUntilReceived([running], 2 * COUNT, 240_000);
  service = running.service() as PipelineService;
  await waitFor(
    'every click and conversion attributed',
    () => {
      const state = service.state;
      if (!state) return false;
      const pending = pendingAttributions(state);
      return pending.clicks + pending.conversions === 0;
    },
    60_000,
    () => JSON.stringify(service.state ? pendingAttributions(service.state) : {}),
  );
  await running.stop();
  records = await readSources();
}, 420_000);

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
  await dropBucket(new S3ObjectStore(testS3Config(bucket)).client, bucket).catch(() => undefined);
  await dropRun(kafka, prefix);
});

async function reference() {
  const registry = new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' });
  const decoder = new WireRecordDecoder(registry, { maxRecordBytes: config.rules.maxRecordBytes });
  const input = await decodedTopicPartitions(records, sourceTopics(config), decoder);
  const pseudonymizer = new HmacPseudonymizer(Buffer.from(TEST_PSEUDONYMIZATION_KEY, 'hex'));
  return referenceOutcome(input, config.rules, Date.now(), (id) => pseudonymizer.pseudonymize(id));
}

it('loads the reference: the first copy once, the replay all duplicates, nothing rejected as late', async () => {
  expect(records).toHaveLength(2 * COUNT);
  const expected = await reference();
  const loaded: { source_topic: string; source_partition: number; source_offset: string }[] = [];
  for (const table of ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request'])
    loaded.push(
      ...((await db(table).select(
        'source_topic',
        'source_partition',
        db.raw('source_offset::text AS source_offset'),
      )) as typeof loaded),
    );
  const at = loaded.map((r) => `${r.source_topic}/${r.source_partition}/${r.source_offset}`);
  expect(at.sort()).toEqual([...expected.accepted.keys()].sort());
  // every accepted event comes from the first copy (offsets below COUNT on their partition
  // can't be told apart from here, so: as many accepted as there are valid originals)
  expect(service.totals.accepted).toBe(expected.accepted.size);
  expect(service.totals.duplicates).toBe(expected.duplicates.size);
  expect(expected.duplicates.size).toBeGreaterThanOrEqual(expected.accepted.size);
  const late = service.totals.rejectedByReason.late_beyond_retention;
  // only the simulator's deliberately stale records, once per copy
  expect(late).toBe(
    [...expected.rejections.values()].filter((r) => r === 'late_beyond_retention').length,
  );
  expect(late % 2).toBe(0);
});

it('credits every click and conversion as the reference does, none of them late', async () => {
  const expected = await reference();
  const rows = await creditRows(db);
  const credits = creditsById(rows);
  expect(credits.size).toBeGreaterThan(100);
  expect(credits).toEqual(referenceCreditsById(expected));
  expect(rows.filter((r) => r.late)).toEqual([]);
});
