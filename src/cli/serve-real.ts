import type { Container } from 'inversify';
import type { Kafka } from 'kafkajs';
import type { KafkaEventPublisher } from '../../adapters/kafka/kafka-event-publisher';
import { ensureTopics } from '../../adapters/kafka/kafka-topics';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import {
  TOKENS,
  type CampaignMetrics,
  type ObjectStore,
  type Logger,
  type Metrics,
  type Warehouse,
} from '../../ports';
import type { AppConfig } from '../config/config';
import { assertKafkaSettings, s3SettingsProblem } from '../config/connection-problems';
import { buildContainer, CONTRACT_IDS, REAL, SERVICE, STORAGE } from '../container/container';
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
  const store = container.get<ObjectStore>(TOKENS.ObjectStore);
  if (store instanceof S3ObjectStore)
    await store.ensureBucket().catch((error: unknown) => {
      throw s3SettingsProblem(error, config.s3?.endpoint) ?? error;
    });
  container
    .bind(CONTRACT_IDS)
    .toConstantValue(await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics));
  const service = container.get<PipelineService>(SERVICE);
  const metrics = container.get<Metrics>(TOKENS.Metrics);
  const server = await startOpsServer(
    metrics,
    { healthy: () => service.status !== 'failed', ready: () => service.status === 'running' },
    config.http.host,
    config.http.port,
  );
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
    await container.get<KafkaEventPublisher>(TOKENS.EventPublisher).close();
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
