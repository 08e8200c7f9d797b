import type { Container } from 'inversify';
import type { Kafka } from 'kafkajs';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import {
  TOKENS,
  type CampaignMetrics,
  type ObjectStore,
  type Logger,
  type EventPublisher,
  type Metrics,
  type SchemaRegistry,
  type Warehouse,
} from '../../ports';
import type { AppConfig } from '../config/config';
import { assertKafkaSettings, s3SettingsProblem } from '../config/connection-problems';
import {
  buildContainer,
  CONTRACT_IDS,
  OUTAGES,
  REAL,
  SERVICE,
  STORAGE,
} from '../container/container';
import { outageClassifier } from '../container/outage-classifier';
import type { DependencyOutages } from '../pipeline/dependency-outages';
import { outagePolicy } from '../pipeline/outage-policy';
import type { Storage } from '../container/storage';
import { registerContracts } from '../contracts/register-contracts';
import { startProgressLog } from '../embedded/progress-log';
import { startOpsServer } from '../http/ops-server';
import type { PipelineService } from '../pipeline/pipeline-service';
import {
  attributionSummary,
  formatRunReport,
  type AttributionSummary,
} from '../report/attribution-note';
import { sourceTopicSpecs } from './topic-specs';
import { checkServiceLogin } from './service-login';

export interface RealServeResult {
  readonly container: Container;
  readonly service: PipelineService;
  /** the campaign table and, under it, the attribution note */
  readonly report: string;
  readonly campaigns: readonly CampaignMetrics[];
  readonly attributions: AttributionSummary;
}

/**
 * `adx serve` with ADX_PROFILE=real: a consumer-group member on Kafka until `signal` fires; then
 * it finishes the batch in flight, commits, leaves the group and closes its producer.
 */
export async function serveReal(
  config: AppConfig,
  signal: AbortSignal,
  onReady?: (c: Container) => void,
  /** runs before anything is taken from the container: a test may rebind a port here */
  prepare?: (c: Container) => void | Promise<void>,
): Promise<RealServeResult> {
  if (config.kafka) await assertKafkaSettings(config.kafka);
  const container = await buildContainer(config);
  await prepare?.(container);
  const logger = container.get<Logger>(TOKENS.Logger);
  const storage = container.get<Storage>(STORAGE);
  await checkServiceLogin(storage.knex, config, logger).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });
  await ensureTopics(container.get<Kafka>(REAL.Kafka), sourceTopicSpecs(config));
  const metrics = container.get<Metrics>(TOKENS.Metrics);
  const outages = container.get<DependencyOutages>(OUTAGES);
  // the service is built once the contracts are registered; the probes ask it from then on
  const built: { service?: PipelineService } = {};
  // up before the registry is asked: /readyz names what start-up waits for
  const server = await startOpsServer(
    metrics,
    {
      healthy: () => built.service?.status !== 'failed',
      ready: () => built.service?.status === 'running',
      down: () => outages.down(),
    },
    config.http.host,
    config.http.port,
  );
  const startUp = outagePolicy({ outageOf: outageClassifier(config), outages });
  try {
    const store = container.get<ObjectStore>(TOKENS.ObjectStore);
    // a bucket that cannot be reached at start is a setting to fix, named at once
    if (store instanceof S3ObjectStore)
      await store.ensureBucket().catch((error: unknown) => {
        throw s3SettingsProblem(error, config.s3?.endpoint) ?? error;
      });
    const registry = container.get<SchemaRegistry>(TOKENS.SchemaRegistry);
    container
      .bind(CONTRACT_IDS)
      .toConstantValue(await startUp.run(() => registerContracts(registry, config.topics), signal));
  } catch (error) {
    server.close();
    await storage.close();
    throw error;
  }
  const service = container.get<PipelineService>(SERVICE);
  built.service = service;
  const stopProgress = startProgressLog(service.totals, logger, config.progressIntervalMs);
  logger.info('serving', {
    profile: 'real',
    brokers: config.kafka?.brokers.join(','),
    group: config.kafka?.groupId,
  });
  await service.start();
  onReady?.(container);
  const onAbort = (): void => {
    logger.info('stopping: finishing the batch in flight, then leaving the group');
    void service.stop();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    await service.finished();
  } finally {
    stopProgress();
    server.close();
    // the real profile binds a Kafka publisher (in-thread or threaded), both closable
    await container.get<EventPublisher & { close(): Promise<void> }>(TOKENS.EventPublisher).close();
  }
  const warehouse = container.get<Warehouse>(TOKENS.Warehouse);
  let campaigns: CampaignMetrics[];
  try {
    await warehouse.refreshAggregates();
    campaigns = await warehouse.campaignMetrics({});
  } finally {
    await container.get<Storage>(STORAGE).close();
  }
  const attributions = attributionSummary(service.totals, service.state);
  const report = formatRunReport(campaigns, attributions, config.rules.allowedLatenessMs);
  return { container, service, report, campaigns, attributions };
}
