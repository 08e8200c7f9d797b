/** Every port conformance suite against the in-memory adapters (and the adapters with no server). */
import type { SourceKind } from '../../domain';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { MemoryPseudonymizer } from '../../adapters/memory/memory-pseudonymizer';
import { MemoryBus } from '../../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../../adapters/memory/memory-event-publisher';
import { MemoryEventSource } from '../../adapters/memory/memory-event-source';
import { MemoryLineageLog } from '../../adapters/memory/memory-lineage-log';
import { MemoryMetrics } from '../../adapters/memory/memory-metrics';
import { MemoryObjectStore } from '../../adapters/memory/memory-object-store';
import { MemorySchemaRegistry } from '../../adapters/memory/memory-schema-registry';
import { MemoryStateStore } from '../../adapters/memory/memory-state-store';
import { MemoryWarehouse } from '../../adapters/memory/memory-warehouse';
import { PrometheusMetrics } from '../../adapters/metrics/prometheus-metrics';
import { eventPublisherConformance } from './suites/event-publisher.suite';
import { eventSourceConformance } from './suites/event-source.suite';
import { lineageLogConformance } from './suites/lineage-log.suite';
import { metricsConformance } from './suites/metrics.suite';
import { objectStoreConformance } from './suites/object-store.suite';
import { pseudonymizerConformance } from './suites/pseudonymizer.suite';
import { schemaRegistryConformance } from './suites/schema-registry.suite';
import { recordDecoderConformance } from './suites/record-decoder.suite';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';
import { stateStoreConformance } from './suites/state-store.suite';
import { warehouseConformance } from './suites/warehouse.suite';
import { uniqueName } from './support/conformance-kit';

/** FNV-1a, so keys spread over partitions as a broker's partitioner would spread them */
function hashPartition(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0) % partitions;
}

objectStoreConformance('memory', async () => ({ store: new MemoryObjectStore() }));
// the embedded run's store keeps only its latest objects: the port's contract holds within them
objectStoreConformance('memory, keeping the latest 5,000 objects', async () => ({
  store: new MemoryObjectStore({ keepLatest: 5000 }),
}));

schemaRegistryConformance('memory', async () => ({ registry: new MemorySchemaRegistry() }));
// a registry shared across subjects, as a real one is: ids are global
const sharedRegistry = new MemorySchemaRegistry();
schemaRegistryConformance('memory, one registry for all tests', async () => ({
  registry: sharedRegistry,
}));

recordDecoderConformance('wire formats over the memory registry', async () => {
  const registry = new MemorySchemaRegistry();
  return {
    registry,
    decoder: (maxRecordBytes) => new WireRecordDecoder(registry, { maxRecordBytes }),
  };
});

for (const [maxBatchSize, keepCommitted] of [
  [1, undefined],
  [4, undefined],
  // as the embedded run uses it: the bus drops all but the last 32 committed records (and any
  // committed a minute ago)
  [4, 32],
] as const) {
  const trimmed = keepCommitted === undefined ? '' : ', committed records dropped';
  eventSourceConformance(`memory, batches of at most ${maxBatchSize}${trimmed}`, async () => {
    const bus = new MemoryBus(hashPartition, 3);
    const topics = new Map<string, SourceKind>([
      [uniqueName('impressions'), 'impression'],
      [uniqueName('clicks'), 'click_or_conversion'],
    ]);
    for (const topic of topics.keys()) bus.createTopic(topic);
    const open = () =>
      new MemoryEventSource(bus, {
        topics,
        maxBatchSize,
        ...(keepCommitted !== undefined
          ? { keepCommitted: { keepLatest: keepCommitted, keepForMs: 60_000 } }
          : {}),
      });
    return {
      topics,
      source: open(),
      reopen: async () => open(),
      produce: async (topic, key, value, headers) => {
        bus.produce(topic, key, value, headers);
      },
    };
  });
}

for (const keepLatest of [undefined, 10_000]) {
  const window = keepLatest === undefined ? '' : `, keeping the latest ${keepLatest}`;
  eventPublisherConformance(`memory${window}`, async () => {
    const publisher = new MemoryEventPublisher(
      Date.now,
      keepLatest === undefined ? {} : { keepLatest, keepForMs: 60_000 },
    );
    return {
      publisher,
      readAdEvents: async () => [...publisher.adEvents],
      readDeadLetters: async () => [...publisher.deadLetters],
    };
  });
}

warehouseConformance('memory', async () => ({ warehouse: new MemoryWarehouse() }));

stateStoreConformance('memory', async () => ({ store: new MemoryStateStore() }));

lineageLogConformance('memory', async () => ({ log: new MemoryLineageLog() }));
lineageLogConformance('memory, keeping the latest 100 batches', async () => ({
  log: new MemoryLineageLog({ keepLatest: 100, keepForMs: 60_000 }),
}));

metricsConformance('memory', async () => ({ metrics: new MemoryMetrics() }));
metricsConformance('prometheus', async () => ({
  metrics: new PrometheusMetrics({ defaultMetrics: false }),
}));

pseudonymizerConformance('hmac', (keys) => new HmacPseudonymizer(keys));
pseudonymizerConformance('hmac, cache of 2', (keys) => new HmacPseudonymizer(keys, 2));
pseudonymizerConformance('memory', (keys) => new MemoryPseudonymizer(keys));
