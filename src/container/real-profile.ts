import type { Container } from 'inversify';
import { createKafka } from '../../adapters/kafka/kafka-client';
import { KafkaEventPublisher } from '../../adapters/kafka/kafka-event-publisher';
import { KafkaEventSource } from '../../adapters/kafka/kafka-event-source';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { TOKENS, type Logger } from '../../ports';
import type { AppConfig } from '../config/config';
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
  c.bind(TOKENS.EventPublisher).toDynamicValue((ctx) => {
    const ids = ctx.get<RegisteredContracts>(CONTRACT_IDS);
    return new KafkaEventPublisher(kafka, {
      adEventsTopic: config.topics.adEvents,
      deadLetterTopic: config.topics.deadLetter,
      adEventSchema: { id: ids.adEvent.v2, type: adEventType() },
      processorVersion: CODE_VERSION,
    });
  });
  c.bind(TOKENS.ObjectStore).toConstantValue(
    config.s3 ? new S3ObjectStore(config.s3) : new MemoryObjectStore(),
  );
  c.bind(TOKENS.LineageLog).toConstantValue(new MemoryLineageLog());
}
