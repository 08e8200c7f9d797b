import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Type, createFileDecoder } from 'avsc';
import { createKafka } from '../../adapters/kafka/kafka-client';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import {
  BidRequestProducer,
  ClickProducer,
  ImpressionProducer,
  SourceTopicProducer,
  sourceProducer,
  type EncodedSourceRecord,
} from '../../adapters/kafka/source-producer';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { parse as parseCsv } from 'csv-parse/sync';
import { ConfigError, type AppConfig } from '../config/config';
import { assertKafkaSettings } from '../config/connection-problems';
import { registerContracts } from '../contracts/register-contracts';
import { valueSubject } from '../contracts/contract-files';
import { createSimulator, type GroundTruth } from '../simulator/simulator';
import { sourceTopicSpecs } from './topic-specs';

export interface ProduceOptions {
  readonly count?: number;
  readonly rate?: number;
  readonly seed?: number;
  /** event time between simulated records (default 5 ms, or 1 s / rate): how much time they span */
  readonly eventTimeStepMs?: number;
  readonly files?: readonly string[];
}

export interface ProduceResult {
  readonly produced: Record<string, number>;
  readonly groundTruth?: GroundTruth;
}

const CHUNK = 1000;

function connections(config: AppConfig) {
  if (!config.kafka)
    throw new ConfigError('invalid configuration:\n  KAFKA_BROKERS: required by adx produce');
  if (!config.registry)
    throw new ConfigError('invalid configuration:\n  SCHEMA_REGISTRY_URL: required by adx produce');
  return { kafka: config.kafka, registry: config.registry };
}

/**
 * `adx produce`: simulated traffic (a count, optionally paced at a rate) or files replayed into the
 * source topics: NDJSON impressions, CSV clicks/conversions, Avro container files of bid requests.
 */
export async function produce(config: AppConfig, options: ProduceOptions): Promise<ProduceResult> {
  const conn = connections(config);
  await assertKafkaSettings(conn.kafka);
  const kafka = createKafka(conn.kafka);
  const registry = new ConfluentSchemaRegistry(conn.registry);
  await ensureTopics(kafka, sourceTopicSpecs(config));
  const ids = await registerContracts(registry, config.topics);
  const producer = sourceProducer(kafka);
  await producer.connect();
  const produced: Record<string, number> = {};
  const sinks = {
    impressions: new SourceTopicProducer(producer, config.topics.impressions),
    clicks: new SourceTopicProducer(producer, config.topics.clicks),
    bid_requests: new SourceTopicProducer(producer, config.topics.bidRequests),
  };
  const count = (topic: string, n: number) => (produced[topic] = (produced[topic] ?? 0) + n);
  try {
    for (const file of options.files ?? []) {
      const sent = await replayFile(file, sinks, registry, config);
      count(sent.topic, sent.records);
    }
    if (options.count === undefined) return { produced };

    const step = options.eventTimeStepMs ?? (options.rate ? 1000 / options.rate : 5);
    const simulator = createSimulator({
      seed: options.seed ?? config.simulator.seed,
      campaigns: config.simulator.campaigns,
      users: config.simulator.users,
      partitions: config.partitions,
      startTime: options.rate ? Date.now() : Date.now() - 60_000 - options.count * step,
      eventTimeStepMs: step,
      bidRequestSchemaIds: ids.bidRequest,
    });
    const started = Date.now();
    for (let sent = 0; sent < options.count;) {
      const n = Math.min(CHUNK, options.count - sent);
      const byTopic = new Map<keyof typeof sinks, EncodedSourceRecord[]>();
      for (const r of simulator.take(n)) {
        const list = byTopic.get(r.topic) ?? byTopic.set(r.topic, []).get(r.topic);
        list?.push({ key: r.key, value: r.value, ...(r.headers ? { headers: r.headers } : {}) });
      }
      for (const [topic, records] of byTopic) {
        await sinks[topic].send(records);
        count(sinks[topic].topic, records.length);
      }
      sent += n;
      if (options.rate) {
        const ahead = started + (sent / options.rate) * 1000 - Date.now();
        if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
      }
    }
    return { produced, groundTruth: simulator.groundTruth() };
  } finally {
    await producer.disconnect();
  }
}

type Sinks = Record<'impressions' | 'clicks' | 'bid_requests', SourceTopicProducer>;

async function replayFile(
  file: string,
  sinks: Sinks,
  registry: ConfluentSchemaRegistry,
  config: AppConfig,
): Promise<{ topic: string; records: number }> {
  const ext = extname(file).toLowerCase();
  if (ext === '.ndjson' || ext === '.jsonl') {
    const docs = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { user_id: string });
    for (let i = 0; i < docs.length; i += CHUNK)
      await new ImpressionProducer(sinks.impressions).send(docs.slice(i, i + CHUNK));
    return { topic: sinks.impressions.topic, records: docs.length };
  }
  if (ext === '.csv') {
    const rows = parseCsv(readFileSync(file), {
      relax_column_count: true,
      skip_empty_lines: true,
    }) as string[][];
    for (let i = 0; i < rows.length; i += CHUNK)
      await new ClickProducer(sinks.clicks).send(rows.slice(i, i + CHUNK));
    return { topic: sinks.clicks.topic, records: rows.length };
  }
  if (ext === '.avro') {
    // the container file carries its writer schema: register it (the registry enforces compatibility) and stamp that id
    const records: { user_id: string }[] = [];
    let writer: Type | undefined;
    await new Promise<void>((resolve, reject) => {
      createFileDecoder(file)
        .on('metadata', (type: Type) => (writer = type))
        .on('data', (r: { user_id: string }) => records.push(r))
        .on('end', resolve)
        .on('error', reject);
    });
    if (!writer) throw new Error(`${file}: no Avro schema in the container header`);
    const id = await registry.register(
      valueSubject(config.topics.bidRequests),
      JSON.stringify(writer.schema()),
    );
    for (let i = 0; i < records.length; i += CHUNK)
      await new BidRequestProducer(sinks.bid_requests, { id, type: writer }).send(
        records.slice(i, i + CHUNK),
      );
    return { topic: sinks.bid_requests.topic, records: records.length };
  }
  throw new Error(
    `${file}: unknown file type (expected .ndjson/.jsonl impressions, .csv clicks, .avro bid requests)`,
  );
}
