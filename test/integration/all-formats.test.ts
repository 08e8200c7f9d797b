/**
 * All three source formats through the real profile: simulated traffic produced with `adx produce`
 * (JSON impressions, CSV clicks and conversions, Avro bid requests through the registry), the
 * service run until it has received every record, then the output topics read back and held
 * against the simulator's ground truth.
 */
import { isConserved } from '../../domain';
import { SIMULATED_REASONS } from '../../src/simulator';
import type { DeadLetterEnvelope } from '../../adapters/dead-letter/envelope';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { produce, type ProduceResult } from '../../src/cli/produce';
import { valueSubject } from '../../src/contracts/contract-files';
import type { PipelineService } from '../../src/pipeline/pipeline-service';
import type { GroundTruth } from '../../src/simulator/simulator';
import { adEventDecoder, type DecodedAdEvent } from '../support/ad-event-avro';
import { dropRun, readTopic, type ReadRecord } from '../support/kafka-topics-io';
import { requireStack, testKafka, uniqueRunName } from '../support/stack';
import {
  countBy,
  EVENT_KEY,
  nonZero,
  realConfig,
  startService,
  waitUntilReceived,
} from './support/real-service';

const COUNT = 20_000;
const prefix = `${uniqueRunName('it-formats')}.`;
const config = realConfig(prefix, { ADX_SIM_USERS: '5000' });
const kafka = testKafka();
const at = (r: { topic: string; partition: number; offset: string }): string =>
  `${r.topic}/${r.partition}/${r.offset}`;

let produced: ProduceResult;
let truth: GroundTruth;
let service: PipelineService;
let adEvents: DecodedAdEvent[];
let deadLetters: { record: ReadRecord; envelope: DeadLetterEnvelope }[];
let sourceRecords: Map<string, ReadRecord>;

beforeAll(async () => {
  await requireStack();
  const started = Date.now();
  produced = await produce(config, { count: COUNT, seed: 20_261_126 });
  truth = produced.groundTruth as GroundTruth;
  const producedAt = Date.now();
  const running = startService(config);
  let firstAt = 0;
  const watch = setInterval(() => {
    if (!firstAt && (running.service()?.totals.received ?? 0) > 0) firstAt = Date.now();
  }, 10);
  try {
    await waitUntilReceived([running], COUNT, 90_000);
  } finally {
    clearInterval(watch);
  }
  const consumedAt = Date.now();
  service = running.service() as PipelineService;
  await running.stop();
  const rate = (ms: number): number => Math.round((COUNT * 1000) / Math.max(1, ms));
  process.stdout.write(
    `[all-formats] ${COUNT} records: produced in ${producedAt - started} ms ` +
      `(${rate(producedAt - started)}/s); service start to first batch ${firstAt - producedAt} ms; ` +
      `first to last record ${consumedAt - firstAt} ms (${rate(consumedAt - firstAt)}/s); ` +
      `end to end, produce start to all processed: ${consumedAt - started} ms ` +
      `(${rate(consumedAt - started)}/s)\n`,
  );
  const decode = adEventDecoder(new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' }));
  const t = config.topics;
  const [events, letters, ...sources] = await Promise.all(
    [t.adEvents, t.deadLetter, t.impressions, t.clicks, t.bidRequests].map((topic) =>
      readTopic(kafka, topic),
    ),
  );
  adEvents = await Promise.all((events ?? []).map((r) => decode(r.value ?? Buffer.alloc(0))));
  deadLetters = (letters ?? []).map((record) => ({
    record,
    envelope: JSON.parse((record.value ?? Buffer.alloc(0)).toString('utf8')) as DeadLetterEnvelope,
  }));
  sourceRecords = new Map(sources.flat().map((r) => [at(r), r]));
}, 180_000);

afterAll(async () => {
  await dropRun(kafka, prefix);
});

it('received every produced record, and the counts conserve', () => {
  const totals = service.totals;
  expect(Object.values(produced.produced).reduce((a, b) => a + b, 0)).toBe(COUNT);
  expect(sourceRecords.size).toBe(COUNT);
  expect(truth.records).toBe(COUNT);
  expect(totals.received).toBe(COUNT);
  expect(isConserved(totals)).toBe(true);
  expect(totals.duplicates).toBe(truth.duplicates);
  expect(truth.duplicates).toBeGreaterThan(0);
  expect(totals.rejectedByReason).toEqual(truth.malformed);
});

it('ad_events holds exactly the accepted events, each once, pseudonymized, under the contract', async () => {
  const byType = countBy(adEvents, (e) => e.event.eventType);
  expect(byType).toEqual(nonZero(truth.validUnique));
  expect(adEvents).toHaveLength(service.totals.accepted);
  expect(new Set(adEvents.map((e) => EVENT_KEY(e.event))).size).toBe(adEvents.length);
  const registry = new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' });
  const contract = await registry.latest(valueSubject(config.topics.adEvents));
  expect(new Set(adEvents.map((e) => e.schemaId))).toEqual(new Set([contract?.id]));
  for (const { event } of adEvents) expect(event.userId).toMatch(/^k1\.[0-9a-f]{64}$/);
});

it('every ad event points at its source record, and no record is both accepted and dead-lettered', () => {
  const accepted = new Set(adEvents.map((e) => at(e.event.source)));
  const rejected = new Set(deadLetters.map((d) => at(d.envelope.source)));
  for (const coordinates of accepted) expect(sourceRecords.has(coordinates)).toBe(true);
  expect([...accepted].filter((c) => rejected.has(c))).toEqual([]);
  // what is neither accepted nor rejected is exactly the duplicates
  expect(sourceRecords.size - accepted.size - rejected.size).toBe(truth.duplicates);
});

it('the dead-letter topic holds exactly the rejected records, each with its reason', () => {
  expect(deadLetters).toHaveLength(service.totals.rejected);
  expect(countBy(deadLetters, (d) => d.envelope.reason)).toEqual(nonZero(truth.malformed));
  for (const reason of SIMULATED_REASONS) expect(truth.malformed[reason]).toBeGreaterThan(0);
  for (const { record, envelope } of deadLetters) {
    expect(record.headers['adx-reason']).toBe(envelope.reason);
    expect(record.headers['adx-source']).toBe(at(envelope.source));
  }
});

it("each dead letter's payload is the original record's exact bytes, key and headers", () => {
  for (const { record, envelope } of deadLetters) {
    const original = sourceRecords.get(at(envelope.source));
    expect(original).toBeDefined();
    const bytes = original?.value ?? Buffer.alloc(0);
    const kept = Buffer.from(envelope.payload.base64, 'base64');
    expect(envelope.payload.bytes).toBe(bytes.length);
    expect(kept.equals(envelope.payload.truncated ? bytes.subarray(0, kept.length) : bytes)).toBe(
      true,
    );
    expect(envelope.key).toBe(original?.key?.toString('utf8') ?? null);
    expect(record.key?.toString('utf8') ?? null).toBe(envelope.key);
    expect(envelope.headers).toEqual(original?.headers);
    expect(envelope.source.timestamp).toBe(original?.timestamp);
  }
});
