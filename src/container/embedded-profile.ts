import type { Container } from 'inversify';
import { MemoryBus } from '../../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { MemoryEventSource } from '../../adapters/memory/memory-event-source';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { MemorySchemaRegistry } from '../../adapters/memory/memory-schema-registry';
import { MaintainedWarehouse } from '../../adapters/warehouse/pglite-maintained-warehouse';
import { maintainPglite } from '../../adapters/warehouse/pglite-maintenance';
import { TOKENS, type EventSource, type Logger, type Warehouse } from '../../ports';
import type { AppConfig } from '../config/config';
import { partitionForKey } from '../simulator/partitioner';
import { EMBEDDED, STORAGE, sourceTopics, type ContainerOptions } from './app-tokens';
import type { Storage } from './storage';

/**
 * The whole pipeline in one process: nothing but Node needed. The in-memory adapters keep about
 * ADX_EMBEDDED_HISTORY records of what was processed (per topic-partition on the bus, published
 * events and dead letters, staged objects and lineage batches worth that many records), none of
 * it older than ADX_EMBEDDED_RETENTION, and drop the rest once committed: nothing reads them
 * back, and an unbounded run must not grow with everything it ever saw. The age limit is what
 * bounds a sparse stream (dead letters, the clicks topic), whose count window would take tens of
 * minutes to fill; so every window is full, and memory flat, after ADX_EMBEDDED_RETENTION.
 */
export function bindEmbedded(c: Container, config: AppConfig, options: ContainerOptions): void {
  const history = config.embeddedHistory;
  const keepForMs = config.embeddedRetentionMs;
  const batchesOfHistory = Math.max(1, Math.ceil(history / config.batchSize));
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
      keepCommitted: { keepLatest: history, keepForMs },
      ...(options.inputComplete ? { inputComplete: options.inputComplete } : {}),
    }),
  );
  c.bind(TOKENS.EventPublisher).toConstantValue(
    new MemoryEventPublisher(Date.now, { keepLatest: history, keepForMs }),
  );
  c.bind(TOKENS.SchemaRegistry).toConstantValue(new MemorySchemaRegistry());
  // a batch stages one object per table and event day: a few per batch
  c.bind(TOKENS.ObjectStore).toConstantValue(
    new MemoryObjectStore({ keepLatest: 8 * batchesOfHistory, keepForMs }),
  );
  c.bind(TOKENS.LineageLog).toConstantValue(
    new MemoryLineageLog({ keepLatest: batchesOfHistory, keepForMs }),
  );
  // PGlite has no autovacuum and one backend for the life of the process: the warehouse the
  // service refreshes also gets its housekeeping (VACUUM, catalog cache reset) on that tick.
  // Storage is bound after this profile, so the warehouse is wrapped as it is first resolved.
  if (config.warehouse.kind === 'pglite')
    c.onActivation<Warehouse>(TOKENS.Warehouse, (ctx, warehouse) => {
      const knex = ctx.get<Storage>(STORAGE).knex;
      return knex
        ? new MaintainedWarehouse(
            warehouse,
            () => maintainPglite(knex),
            ctx.get<Logger>(TOKENS.Logger),
          )
        : warehouse;
    });
}
