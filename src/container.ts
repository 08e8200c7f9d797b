import 'reflect-metadata';
import { Container } from 'inversify';
import { HmacPseudonymizer } from '../adapters/crypto/hmac-pseudonymizer';
import { MemoryBus } from '../adapters/memory/memory-bus';
import { MemoryEventPublisher } from '../adapters/memory/memory-event-publisher';
import { MemoryEventSource } from '../adapters/memory/memory-event-source';
import { MemoryLineageLog } from '../adapters/memory/memory-lineage-log';
import { MemoryObjectStore } from '../adapters/memory/memory-object-store';
import { MemorySchemaRegistry } from '../adapters/memory/memory-schema-registry';
import { MemoryStateStore } from '../adapters/memory/memory-state-store';
import { MemoryWarehouse } from '../adapters/memory/memory-warehouse';
import { PrometheusMetrics } from '../adapters/metrics/prometheus-metrics';
import { ConsoleLogger } from '../adapters/system/console-logger';
import { SystemClock } from '../adapters/system/system-clock';
import { RULES_VERSION, type SourceKind } from '../domain';
import { TOKENS, type Clock, type EventSource, type Logger, type Metrics, type Pseudonymizer, type StateStore } from '../ports';
import type { AppConfig } from './config/config';
import { PipelineService } from './pipeline/pipeline-service';
import { partitionForKey } from './simulator/partitioner';
import { CODE_VERSION } from './version';

/** Tokens that exist only in the embedded profile. */
export const EMBEDDED = {
  Bus: Symbol.for('adx.embedded.Bus'),
  InputComplete: Symbol.for('adx.embedded.InputComplete'),
} as const;

export const SERVICE = Symbol.for('adx.PipelineService');

export function sourceTopics(config: AppConfig): Map<string, SourceKind> {
  return new Map<string, SourceKind>([
    [config.topics.impressions, 'impression'],
    [config.topics.clicks, 'click_or_conversion'],
    [config.topics.bidRequests, 'bid_request'],
  ]);
}

/**
 * The composition root: one container per profile, every port bound to an adapter. Tests and
 * commands rebind what they need before the first get().
 */
export function buildContainer(config: AppConfig, options: { inputComplete?: () => boolean } = {}): Container {
  const c = new Container({ defaultScope: 'Singleton' });
  c.bind(TOKENS.Config).toConstantValue(config);
  c.bind<Logger>(TOKENS.Logger).toConstantValue(new ConsoleLogger(config.logFormat === 'json'));
  c.bind<Clock>(TOKENS.Clock).toConstantValue(new SystemClock());
  c.bind<Metrics>(TOKENS.Metrics).toConstantValue(new PrometheusMetrics());
  c.bind<Pseudonymizer>(TOKENS.Pseudonymizer).toConstantValue(new HmacPseudonymizer(config.pseudonymizationKey));

  // embedded profile: the whole pipeline in one process, nothing but Node needed
  const bus = new MemoryBus(partitionForKey, config.partitions);
  for (const topic of [...sourceTopics(config).keys(), config.topics.adEvents, config.topics.deadLetter]) bus.createTopic(topic);
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
  c.bind(TOKENS.Warehouse).toConstantValue(new MemoryWarehouse());
  c.bind<StateStore>(TOKENS.StateStore).toConstantValue(new MemoryStateStore());
  c.bind(TOKENS.LineageLog).toConstantValue(new MemoryLineageLog());

  c.bind(SERVICE).toDynamicValue((ctx) => {
    const pseudonymizer = ctx.get<Pseudonymizer>(TOKENS.Pseudonymizer);
    const logger = ctx.get<Logger>(TOKENS.Logger);
    const metrics = ctx.get<Metrics>(TOKENS.Metrics);
    return new PipelineService(
      ctx.get(TOKENS.EventSource),
      ctx.get(TOKENS.StateStore),
      {
        registry: ctx.get(TOKENS.SchemaRegistry),
        store: ctx.get(TOKENS.ObjectStore),
        warehouse: ctx.get(TOKENS.Warehouse),
        publisher: ctx.get(TOKENS.EventPublisher),
        stateStore: ctx.get(TOKENS.StateStore),
        lineage: ctx.get(TOKENS.LineageLog),
        metrics,
        clock: ctx.get(TOKENS.Clock),
        pseudonymizeUser: (id) => pseudonymizer.pseudonymize(id),
        versions: { code: CODE_VERSION, rules: String(RULES_VERSION), configHash: config.configHash },
        snapshotEvery: config.snapshotEvery,
        onRetry: (attempt, error) => {
          metrics.error('side_effects');
          logger.warn('batch side effects failed, retrying', { attempt, error: String(error) });
        },
      },
      config.rules,
      logger,
    );
  });
  return c;
}
