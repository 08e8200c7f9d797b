import 'reflect-metadata';
import { Container } from 'inversify';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { PrometheusMetrics } from '../../adapters/metrics/prometheus-metrics';
import { ConsoleLogger } from '../../adapters/system/console-logger';
import { SystemClock } from '../../adapters/system/system-clock';
import { RULES_VERSION } from '../../domain';
import { contractVersions } from '../contracts/contract-versions';
import { TOKENS, type Clock, type Logger, type Metrics, type Pseudonymizer } from '../../ports';
import type { AppConfig } from '../config/config';
import { AggregateRefresher } from '../pipeline/aggregate-refresher';
import { crashChecker } from '../pipeline/crash-points';
import { PipelineService } from '../pipeline/pipeline-service';
import { configuredOpenLineageSink } from '../lineage/configured-sink';
import { CODE_VERSION } from '../version';
import { bindEmbedded } from './embedded-profile';
import { bindReal } from './real-profile';
import { SERVICE, STORAGE, type ContainerOptions } from './app-tokens';
import { openStorage } from './storage';

export * from './app-tokens';

/**
 * The composition root: one container per profile, every port bound to an adapter. Commands and
 * tests may rebind a port before the first get().
 */
export async function buildContainer(
  config: AppConfig,
  options: ContainerOptions = {},
): Promise<Container> {
  const c = new Container({ defaultScope: 'Singleton' });
  const logger = new ConsoleLogger(config.logFormat === 'json');
  c.bind(TOKENS.Config).toConstantValue(config);
  c.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  c.bind<Clock>(TOKENS.Clock).toConstantValue(new SystemClock());
  c.bind<Metrics>(TOKENS.Metrics).toConstantValue(new PrometheusMetrics());
  c.bind<Pseudonymizer>(TOKENS.Pseudonymizer).toConstantValue(
    new HmacPseudonymizer(config.pseudonymizationKeys),
  );

  if (config.profile === 'real') bindReal(c, config, logger);
  else bindEmbedded(c, config, options);
  const crashCheck = crashChecker(config.crashPlan);
  const storage = await openStorage(config, crashCheck);
  c.bind(STORAGE).toConstantValue(storage);
  c.bind(TOKENS.Warehouse).toConstantValue(storage.warehouse);
  c.bind(TOKENS.StateStore).toConstantValue(storage.stateStore);
  c.bind(TOKENS.BatchCommitter).toConstantValue(storage.committer);
  // SQL storage keeps lineage next to the loads it describes (same knex, same transaction)
  if (storage.lineage) (await c.rebind(TOKENS.LineageLog)).toConstantValue(storage.lineage);

  c.bind(SERVICE).toDynamicValue((ctx) => {
    const pseudonymizer = ctx.get<Pseudonymizer>(TOKENS.Pseudonymizer);
    const metrics = ctx.get<Metrics>(TOKENS.Metrics);
    return new PipelineService(
      ctx.get(TOKENS.EventSource),
      ctx.get(TOKENS.StateStore),
      {
        registry: ctx.get(TOKENS.SchemaRegistry),
        store: ctx.get(TOKENS.ObjectStore),
        committer: ctx.get(TOKENS.BatchCommitter),
        publisher: ctx.get(TOKENS.EventPublisher),
        stateStore: ctx.get(TOKENS.StateStore),
        lineage: ctx.get(TOKENS.LineageLog),
        metrics,
        clock: ctx.get(TOKENS.Clock),
        pseudonymizeUser: (id) => pseudonymizer.pseudonymize(id),
        versions: {
          code: CODE_VERSION,
          rules: String(RULES_VERSION),
          configHash: config.configHash,
          contracts: contractVersions(),
        },
        snapshotEvery: config.snapshotEvery,
        // a lost lineage event is counted and logged, never a reason to stop the batch
        openLineage: configuredOpenLineageSink(
          config,
          (error) => {
            metrics.error('openlineage');
            logger.warn('OpenLineage event not exported', { error: String(error) });
          },
          Date.now,
          (message) => logger.info(message),
        ),
        crashCheck,
        onRetry: (attempt, error) => {
          metrics.error('side_effects');
          logger.warn('batch side effects failed, retrying', { attempt, error: String(error) });
        },
      },
      config.rules,
      logger,
      new AggregateRefresher(ctx.get(TOKENS.Warehouse), metrics, logger, config.refreshIntervalMs),
    );
  });
  return c;
}
