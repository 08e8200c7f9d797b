import type { Container } from 'inversify';
import { createKafka } from '../../adapters/kafka/kafka-client';
import { KafkaEventPublisher } from '../../adapters/kafka/kafka-event-publisher';
import { KafkaEventSource } from '../../adapters/kafka/kafka-event-source';
import {
  publisherThreadScript,
  ThreadedEventPublisher,
} from '../../adapters/kafka/threaded-event-publisher';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { TOKENS, type Logger } from '../../ports';
import { ConfigError, type AppConfig } from '../config/config';
import type { RegisteredContracts } from '../contracts/register-contracts';
import { CODE_VERSION } from '../version';
import { adEventType } from '../contracts/ad-event-type';
import { CONTRACT_IDS, REAL, sourceTopics } from './app-tokens';

/**
 * Kafka, a Confluent-compatible registry. Staging, warehouse, state and lineage stay in memory
 * until their real adapters land (S3, Postgres): see README "Profiles".
 */
export function bindReal(c: Container, config: AppConfig, logger: Logger): void {
  if (!config.kafka || !config.registry)
    throw new Error('the real profile needs Kafka and registry settings');
  const kafka = createKafka(config.kafka, (level, message, fields) =>
    logger[level](message, fields),
  );
  c.bind(REAL.Kafka).toConstantValue(kafka);
  c.bind(TOKENS.SchemaRegistry).toConstantValue(new ConfluentSchemaRegistry(config.registry));
  c.bind(TOKENS.EventSource).toConstantValue(
    new KafkaEventSource(kafka, {
      groupId: config.kafka.groupId,
      topics: sourceTopics(config),
      maxBatchSize: config.batchSize,
      sessionTimeoutMs: config.kafkaSessionTimeoutMs,
      concurrentPartitions: config.concurrentPartitions,
      ...(config.kafkaMaxBytesPerPartition
        ? { maxBytesPerPartition: config.kafkaMaxBytesPerPartition }
        : {}),
    }),
  );
  const kafkaConnection = config.kafka;
  const script = config.publisherThread ? publisherThreadScript() : undefined;
  if (config.publisherThread && !script)
    throw new ConfigError(
      'invalid configuration:\n  ADX_PUBLISHER_THREAD: the publisher thread runs the built ' +
        'adapters/kafka/publisher-thread.js, and this service runs from its TypeScript sources ' +
        '(npm run build, or ADX_PUBLISHER_THREAD=false)',
    );
  c.bind(TOKENS.EventPublisher).toDynamicValue((ctx) => {
    const ids = ctx.get<RegisteredContracts>(CONTRACT_IDS);
    const options = {
      adEventsTopic: config.topics.adEvents,
      deadLetterTopic: config.topics.deadLetter,
      adEventSchema: { id: ids.adEvent.v2, type: adEventType() },
      processorVersion: CODE_VERSION,
    };
    if (!script) return new KafkaEventPublisher(kafka, options);
    const { groupId: _group, ...connection } = kafkaConnection;
    return new ThreadedEventPublisher({
      ...options,
      connection,
      script,
      log: (level, message, fields) => logger[level](message, fields),
    });
  });
  c.bind(TOKENS.ObjectStore).toConstantValue(
    config.s3 ? new S3ObjectStore(config.s3) : new MemoryObjectStore(),
  );
  c.bind(TOKENS.LineageLog).toConstantValue(new MemoryLineageLog());
}
