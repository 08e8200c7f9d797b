import type { Container } from 'inversify';
import { MemoryBus } from '../../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { MemoryEventSource } from '../../adapters/memory/memory-event-source';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { MemorySchemaRegistry } from '../../adapters/memory/memory-schema-registry';
import { TOKENS, type EventSource } from '../../ports';
import type { AppConfig } from '../config/config';
import { partitionForKey } from '../simulator/partitioner';
import { EMBEDDED, sourceTopics, type ContainerOptions } from './app-tokens';

/** The whole pipeline in one process: nothing but Node needed. */
export function bindEmbedded(c: Container, config: AppConfig, options: ContainerOptions): void {
  const bus = new MemoryBus(partitionForKey, config.partitions);
  for (const topic of [
    ...sourceTopics(config).keys(),
    config.topics.adEvents,
    config.topics.deadLetter,
  ])
    bus.createTopic(topic);
  c.bind(EMBEDDED.Bus).toConstantValue(bus);
  c.bind<EventSource>(TOKENS.EventSource).toConstantValue(
    new MemoryEventSource(bus, {
      topics: sourceTopics(config),
      maxBatchSize: config.batchSize,
      ...(options.inputComplete ? { inputComplete: options.inputComplete } : {}),
    }),
  );
  c.bind(TOKENS.EventPublisher).toConstantValue(new MemoryEventPublisher());
  c.bind(TOKENS.SchemaRegistry).toConstantValue(new MemorySchemaRegistry());
  c.bind(TOKENS.ObjectStore).toConstantValue(new MemoryObjectStore());
  c.bind(TOKENS.LineageLog).toConstantValue(new MemoryLineageLog());
}
