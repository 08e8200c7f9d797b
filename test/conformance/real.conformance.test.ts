/**
 * The port conformance suites against the real adapters and the local stack (ops/stack.sh up):
 * KafkaEventSource, KafkaEventPublisher and ConfluentSchemaRegistry. Every test gets its own
 * topics (a random prefix, created with ensureTopics and dropped afterwards), consumer group and
 * registry subjects, so runs never see each other's data.
 */
import type { SourceKind } from '../../domain';
import { readContract } from '../../adapters/codecs/contract-files';
import { join } from 'node:path';
import {
  KafkaEventPublisher,
  type KafkaPublisherOptions,
} from '../../adapters/kafka/kafka-event-publisher';
import { ThreadedEventPublisher } from '../../adapters/kafka/threaded-event-publisher';
import type { EventPublisher } from '../../ports';
import { KafkaEventSource } from '../../adapters/kafka/kafka-event-source';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import type { DeadLetterEnvelope } from '../../adapters/dead-letter/envelope';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { adEventType } from '../../src/contracts/ad-event-type';
import { AD_EVENT_SCHEMAS, valueSubject } from '../../src/contracts/contract-files';
import { adEventDecoder } from '../support/ad-event-avro';
import { dropRun, readTopic } from '../support/kafka-topics-io';
import { requireStack, STACK, testKafka, uniqueRunName } from '../support/stack';
import { buildCli } from '../support/cli';
import {
  eventPublisherConformance,
  type EventPublisherHarness,
} from './suites/event-publisher.suite';
import { eventSourceConformance } from './suites/event-source.suite';
import { schemaRegistryConformance } from './suites/schema-registry.suite';
import { recordDecoderConformance } from './suites/record-decoder.suite';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';

const PARTITIONS = 3;
const kafka = testKafka('adx-conformance');
const registry = () => new ConfluentSchemaRegistry({ url: STACK.registryUrl });

beforeAll(async () => {
  await requireStack(['kafka', 'registry']);
}, 30_000);

recordDecoderConformance('wire formats over the confluent-compatible registry', async () => {
  const reg = registry();
  return {
    registry: reg,
    decoder: (maxRecordBytes) => new WireRecordDecoder(reg, { maxRecordBytes }),
  };
});

schemaRegistryConformance('confluent-compatible registry', async () => ({
  registry: registry(),
}));

for (const maxBatchSize of [1, 4]) {
  eventSourceConformance(`kafka, batches of at most ${maxBatchSize}`, async () => {
    const run = uniqueRunName('conf-source');
    const topics = new Map<string, SourceKind>([
      [`${run}.impressions`, 'impression'],
      [`${run}.clicks`, 'click_or_conversion'],
    ]);
    await ensureTopics(
      kafka,
      [...topics.keys()].map((topic) => ({ topic, partitions: PARTITIONS })),
    );
    // one group per test; a reopened source joins the same group, as a restarted process would
    const groupId = `${run}-group`;
    const opened: KafkaEventSource[] = [];
    const open = (): KafkaEventSource => {
      const source = new KafkaEventSource(kafka, { groupId, topics, maxBatchSize });
      opened.push(source);
      return source;
    };
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    return {
      topics,
      source: open(),
      reopen: async () => open(),
      produce: async (topic, key, value, headers) => {
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key, value: value === null ? null : Buffer.from(value), headers }],
        });
      },
      cleanup: async () => {
        await Promise.all(opened.map((s) => s.stop()));
        await producer.disconnect();
        await dropRun(kafka, run);
      },
    };
  });
}

type KafkaPublisher = EventPublisher & { close(): Promise<void> };

/** fresh topics and a registered ad-event schema, then the publisher `make` builds on them */
function kafkaPublisherHarness(
  make: (options: KafkaPublisherOptions) => KafkaPublisher,
): () => Promise<EventPublisherHarness> {
  return async () => {
    const run = uniqueRunName('conf-publish');
    const adEventsTopic = `${run}.ad_events`;
    const deadLetterTopic = `${run}.ad_events.dlq`;
    await ensureTopics(kafka, [
      { topic: adEventsTopic, partitions: PARTITIONS },
      { topic: deadLetterTopic, partitions: 1 },
    ]);
    const reg = registry();
    const subject = valueSubject(adEventsTopic);
    await reg.setCompatibility(subject, 'BACKWARD_TRANSITIVE');
    const latest = AD_EVENT_SCHEMAS[AD_EVENT_SCHEMAS.length - 1] as string;
    const id = await reg.register(subject, readContract(latest));
    const publisher = make({
      adEventsTopic,
      deadLetterTopic,
      adEventSchema: { id, type: adEventType() },
      processorVersion: 'conformance',
    });
    const decode = adEventDecoder(reg);
    return {
      publisher,
      readAdEvents: async () => {
        const records = await readTopic(kafka, adEventsTopic);
        return Promise.all(
          records.map(async (r) => (await decode(r.value ?? Buffer.alloc(0))).event),
        );
      },
      readDeadLetters: async () =>
        (await readTopic(kafka, deadLetterTopic)).map(
          (r) => JSON.parse((r.value ?? Buffer.alloc(0)).toString('utf8')) as DeadLetterEnvelope,
        ),
      cleanup: async () => {
        await publisher.close();
        await dropRun(kafka, run);
      },
    };
  };
}

eventPublisherConformance(
  'kafka',
  kafkaPublisherHarness((options) => new KafkaEventPublisher(kafka, options)),
);

// the real profile's publisher: the same sends from the built publisher-thread.js (dist/)
describe('publisher thread', () => {
  beforeAll(() => buildCli(), 240_000);
  eventPublisherConformance(
    'kafka, on a thread of its own',
    kafkaPublisherHarness(
      (options) =>
        new ThreadedEventPublisher({
          ...options,
          connection: { brokers: [...STACK.brokers], clientId: 'adx-conformance-thread' },
          script: join(__dirname, '..', '..', 'dist', 'adapters', 'kafka', 'publisher-thread.js'),
        }),
    ),
  );
});
