/**
 * Lineage over a real-stack run: records produced to Kafka (JSON impressions, CSV clicks and
 * conversions, Avro bid requests through the registry), the real-profile service staging to
 * S3Proxy and loading Postgres with lineage in the load transaction, OpenLineage events to a file.
 * Then, from the warehouse's lineage alone, every record read from Kafka is accounted for (a fact
 * row or a stopped record with its reason, agreeing with the dead-letter topic), a sample of each
 * event type traces to the very Kafka record and staged S3 object that hold it, and tampering is
 * caught by `adx audit conservation`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import type { EventTrace, SourceTrace } from '../../adapters/lineage/audit-queries';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import type { DeadLetterEnvelope } from '../../adapters/dead-letter/envelope';
import { EVENT_TYPES, isConserved, pendingAttributions } from '../../domain';
import { conservation } from '../../src/cli/audit-command';
import { lineageTrace, lineageTraceSource } from '../../src/cli/lineage-command';
import { produce } from '../../src/cli/produce';
import type { AppConfig } from '../../src/config/config';
import { RUN_EVENT_SCHEMA, type RunEvent } from '../../src/lineage/openlineage';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import { dropRun, readTopic, type ReadRecord } from '../support/kafka-topics-io';
import { startConsumer, type Consumer } from '../support/openlineage-consumer';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { dropBucket, requireS3, s3StagingEnv, testS3Config, uniqueBucket } from '../support/s3';
import { requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';
import { realConfig, startService, waitUntilReceived } from './support/real-service';

const COUNT = 12_000;
const prefix = `${uniqueRunName('it-lineage')}.`;
const bucket = uniqueBucket('lineage');
const kafka = testKafka();
const FACTS = {
  impression: 'fact_impression',
  click: 'fact_click',
  conversion: 'fact_conversion',
  bid_request: 'fact_bid_request',
} as const;
const at = (r: { topic: string; partition: number; offset: string }): string =>
  `${r.topic}/${r.partition}/${r.offset}`;

let dir: string;
let database: TestDatabase;
let db: Knex;
let config: AppConfig;
let service: PipelineService;
let sources: Map<string, ReadRecord>;
let deadLetters: DeadLetterEnvelope[];
let store: S3ObjectStore;
let consumer: Consumer;

beforeAll(async () => {
  await requireStack();
  await requireS3();
  dir = mkdtempSync(join(tmpdir(), 'adx-lineage-real-'));
  database = await createTestDatabase('lineage_real', { migrated: true });
  db = createPostgresKnex({ connectionString: database.url, poolMax: 2 });
  consumer = await startConsumer();
  config = realConfig(prefix, {
    ADX_WAREHOUSE: 'postgres',
    DATABASE_URL: database.url,
    ...s3StagingEnv(bucket),
    ADX_SIM_USERS: '3000',
    ADX_BATCH_SIZE: '1000',
    // a short watermark lag, so clicks and conversions are attributed while the service runs,
    // and the last of them once the inputs are caught up and quiet
    ADX_ALLOWED_LATENESS: '1s',
    ADX_IDLE_TIMEOUT: '1s',
    ADX_OPENLINEAGE_FILE: join(dir, 'openlineage.ndjson'),
    ADX_OPENLINEAGE_URL: consumer.url,
  });
  store = new S3ObjectStore(testS3Config(bucket));
  // 1 s of event time per record: 3+ hours, enough for conversions to follow their clicks
  await produce(config, { count: COUNT, seed: 20_261_127, eventTimeStepMs: 1000 });
  const running = startService(config);
  await waitUntilReceived([running], COUNT, 120_000);
  service = running.service() as PipelineService;
  await waitFor(
    'every click and conversion attributed',
    () => {
      const pending = service.state ? pendingAttributions(service.state) : undefined;
      return pending !== undefined && pending.clicks + pending.conversions === 0;
    },
    60_000,
  );
  await running.stop();
  const t = config.topics;
  const [letters, ...read] = await Promise.all(
    [t.deadLetter, t.impressions, t.clicks, t.bidRequests].map((topic) => readTopic(kafka, topic)),
  );
  sources = new Map(read.flat().map((r) => [at(r), r]));
  deadLetters = (letters ?? []).map(
    (r) => JSON.parse((r.value ?? Buffer.alloc(0)).toString('utf8')) as DeadLetterEnvelope,
  );
}, 240_000);

afterAll(async () => {
  await consumer?.close();
  await db?.destroy();
  await database?.drop();
  if (store) await dropBucket(store.client, bucket);
  await dropRun(kafka, prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Located {
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: string;
}

const coordinatesOf = async (table: string): Promise<string[]> =>
  (
    (await db(table).select(
      'source_topic',
      'source_partition',
      db.raw('source_offset::text AS source_offset'),
    )) as Located[]
  ).map((r) =>
    at({ topic: r.source_topic, partition: Number(r.source_partition), offset: r.source_offset }),
  );

it('accounts for every record read from Kafka: a fact row or a stopped record, never both', async () => {
  expect(sources.size).toBe(COUNT);
  expect(isConserved(service.totals)).toBe(true);
  const loaded = (await Promise.all(Object.values(FACTS).map(coordinatesOf))).flat();
  const stopped = (await db('lineage_stopped_record').select(
    'source_topic',
    'source_partition',
    db.raw('source_offset::text AS source_offset'),
    'reason',
  )) as (Located & { reason: string })[];
  const stoppedAt = new Map(
    stopped.map((r) => [
      at({ topic: r.source_topic, partition: Number(r.source_partition), offset: r.source_offset }),
      r.reason,
    ]),
  );
  expect(new Set(loaded).size).toBe(loaded.length);
  expect(loaded.filter((c) => stoppedAt.has(c))).toEqual([]);
  expect(loaded.length + stoppedAt.size).toBe(COUNT);
  for (const c of [...loaded, ...stoppedAt.keys()]) expect(sources.has(c)).toBe(true);
  // the dead-letter topic and the stopped records agree record by record on why
  const rejected = [...stoppedAt].filter(([, reason]) => reason !== 'duplicate');
  expect(rejected.length).toBe(service.totals.rejected);
  expect(new Map(deadLetters.map((d) => [at(d.source), d.reason]))).toEqual(new Map(rejected));
  expect(stoppedAt.size - rejected.length).toBe(service.totals.duplicates);
  expect(service.totals.duplicates).toBeGreaterThan(0);
});

it('traces a sample of every event type to the Kafka record and the S3 object that hold it', async () => {
  for (const type of EVENT_TYPES) {
    const query = db(`${FACTS[type]} AS f`).select('f.event_id');
    const rows = (await query.orderByRaw('md5(f.event_id)').limit(3)) as { event_id: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const { event_id: eventId } of rows) {
      const result = await lineageTrace(config, eventId, true);
      expect(result.exitCode).toBe(0);
      const trace = JSON.parse(result.output) as EventTrace;
      expect(trace).toMatchObject({ found: true, eventType: type, table: FACTS[type] });
      // the offset the trace names holds this very event in Kafka
      const record = sources.get(at(trace.kafka as NonNullable<EventTrace['kafka']>));
      expect(record?.value?.includes(Buffer.from(eventId))).toBe(true);
      expect(trace.steps?.map((s) => s.step)).toEqual([
        'ingest',
        'validate',
        'normalize',
        'dedupe',
        'attribute',
        'stage',
        'load',
        'publish',
      ]);
      // and the staged object it names is in S3 and holds it
      expect(trace.stagedKeys).toHaveLength(1);
      const staged = await store.get(trace.stagedKeys?.[0] as string);
      expect(gunzipSync(staged?.body as Uint8Array).toString('utf8')).toContain(eventId);
      expect(trace.ruleVersions).toMatchObject({
        lineage: '2',
        'contract.impressions': expect.stringMatching(/^impression\.v2@[0-9a-f]{12}$/),
        'contract.bid-requests': expect.stringMatching(/^bid-request\.v2@/),
      });
      if (type === 'click' || type === 'conversion') {
        expect(trace.attribution?.model).toEqual(expect.any(String));
      }
    }
  }
}, 120_000);

it('traces a rejected and a duplicate record to where and why it stopped', async () => {
  const letter = deadLetters[0] as DeadLetterEnvelope;
  const rejected = JSON.parse(
    (await lineageTraceSource(config, at(letter.source), true)).output,
  ) as SourceTrace;
  expect(rejected.stopped).toMatchObject({
    reason: letter.reason,
    path: letter.path,
    detail: letter.detail,
  });

  const [dup] = (await db('lineage_stopped_record')
    .select('source_topic', 'source_partition', db.raw('source_offset::text AS source_offset'))
    .where({ reason: 'duplicate' })
    .limit(1)) as Located[];
  const coords = at({
    topic: dup?.source_topic as string,
    partition: Number(dup?.source_partition),
    offset: dup?.source_offset as string,
  });
  const trace = JSON.parse((await lineageTraceSource(config, coords, true)).output) as SourceTrace;
  expect(trace.stopped).toMatchObject({ step: 'dedupe', reason: 'duplicate' });
  const original = trace.duplicateOf as EventTrace;
  expect(original.found).toBe(true);
  // the copy and the loaded original are two Kafka records carrying the same event id
  const id = Buffer.from(original.eventId);
  expect(sources.get(coords)?.value?.includes(id)).toBe(true);
  expect(
    sources.get(at(original.kafka as NonNullable<EventTrace['kafka']>))?.value?.includes(id),
  ).toBe(true);
  expect(at(original.kafka as NonNullable<EventTrace['kafka']>)).not.toBe(coords);
}, 60_000);

it('emits START and COMPLETE OpenLineage events per batch, to the file and over HTTP, naming its datasets', async () => {
  const events = readFileSync(join(dir, 'openlineage.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => RUN_EVENT_SCHEMA.parse(JSON.parse(line)) as RunEvent);
  const ledger = (await db('load_ledger')
    .select('batch_id', 'staged_keys', 'source_topic')
    .whereNotNull('source_topic')) as {
    batch_id: string;
    staged_keys: string[];
    source_topic: string;
  }[];
  expect(ledger.length).toBeGreaterThan(0);
  // the HTTP consumer got the very events the file holds, each run's in the same order; runs of
  // different groups overlap (ADX_CONCURRENT_PARTITIONS), so the two sinks may interleave them
  // differently
  expect(consumer.received.map((r) => r.path)).toEqual(events.map(() => '/api/v1/lineage'));
  const byRun = (list: readonly RunEvent[]): Map<string, RunEvent[]> => {
    const runs = new Map<string, RunEvent[]>();
    for (const e of list) runs.set(e.run.runId, [...(runs.get(e.run.runId) ?? []), e]);
    return runs;
  };
  const received = consumer.received.map((r) => JSON.parse(r.body) as RunEvent);
  expect(received).toHaveLength(events.length);
  expect(byRun(received)).toEqual(byRun(events));
  for (const batch of ledger) {
    const mine = events.filter(
      (e) =>
        (e.run.facets?.adx_batch as { batchId?: string } | undefined)?.batchId === batch.batch_id,
    );
    expect(mine.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    const complete = mine[1] as RunEvent;
    // named after OpenLineage's conventions: the broker, the bucket, host:port and database.schema
    expect(complete.inputs).toEqual([
      { namespace: `kafka://${config.kafka?.brokers[0]}`, name: batch.source_topic },
    ]);
    const outputs = complete.outputs ?? [];
    expect(outputs.filter((o) => o.namespace === `s3://${bucket}`).map((o) => o.name)).toEqual(
      batch.staged_keys,
    );
    const warehouse = new URL(database.url);
    const tables = outputs.filter(
      (o) => o.namespace === `postgres://${warehouse.hostname}:${warehouse.port || '5432'}`,
    );
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables)
      expect(t.name).toMatch(new RegExp(`^${warehouse.pathname.slice(1)}\\.public\\.fact_`));
    expect(tables.length + batch.staged_keys.length).toBe(outputs.length);
  }
});

it('fails audit conservation naming the batch once one loaded row is deleted', async () => {
  expect((await conservation(config, {})).exitCode).toBe(0);
  const [row] = (await db('fact_click').select('event_id', 'batch_id').limit(1)) as {
    event_id: string;
    batch_id: string;
  }[];
  await db('fact_click').where({ event_id: row?.event_id }).delete();
  const tampered = await conservation(config, {});
  expect(tampered.exitCode).toBe(1);
  expect(tampered.output).toContain(`MISMATCH batch ${row?.batch_id}`);
});
