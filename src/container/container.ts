import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Container } from 'inversify';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { adEventEncoding } from '../../adapters/kafka/ad-event-record';
import { EVENT_STAGE_ENCODING } from '../../adapters/warehouse/stage-rows';
import { PrometheusMetrics } from '../../adapters/metrics/prometheus-metrics';
import { ConsoleLogger } from '../../adapters/system/console-logger';
import { SystemClock } from '../../adapters/system/system-clock';
import { RULES_VERSION } from '../../domain';
import { adEventType } from '../contracts/ad-event-type';
import { contractVersions } from '../contracts/contract-versions';
import {
  TOKENS,
  type Clock,
  type EventEncoding,
  type Logger,
  type Metrics,
  type Pseudonymizer,
  type RecordDecoder,
} from '../../ports';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';
import { valueSubject } from '../contracts/contract-files';
import type { AppConfig } from '../config/config';
import { AggregateRefresher } from '../pipeline/aggregate-refresher';
import { DependencyOutages } from '../pipeline/dependency-outages';
import { crashChecker } from '../pipeline/crash-points';
import { PipelineService } from '../pipeline/pipeline-service';
import { STAGED_EVENT_ENCODING } from '../pipeline/staging';
import { configuredOpenLineageSink } from '../lineage/configured-sink';
import { MeteredBatchCommitter } from '../metrics/metered-batch-committer';
import { MeteredEventPublisher } from '../metrics/metered-event-publisher';
import { MeteredEventSource } from '../metrics/metered-event-source';
import { CODE_VERSION } from '../version';
import { bindEmbedded } from './embedded-profile';
import { bindReal } from './real-profile';
import {
  OUTAGES,
  SERVICE,
  sourceTopics,
  STAGE_ENCODINGS,
  STORAGE,
  type ContainerOptions,
} from './app-tokens';
import { outageClassifier } from './outage-classifier';
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
  c.bind<RecordDecoder>(TOKENS.RecordDecoder).toDynamicValue(
    (ctx) =>
      new WireRecordDecoder(ctx.get(TOKENS.SchemaRegistry), {
        maxRecordBytes: config.rules.maxRecordBytes,
        subjectOf: valueSubject,
      }),
  );
  const crashCheck = crashChecker(config.crashPlan, undefined, config.stallPlan, (stall) =>
    logger.warn('stalling at a failpoint (ADX_STALL_AT); SIGUSR2 resumes', { ...stall }),
  );
  const storage = await openStorage(config, crashCheck);
  c.bind(STORAGE).toConstantValue(storage);
  c.bind(TOKENS.Warehouse).toConstantValue(storage.warehouse);
  c.bind(TOKENS.StateStore).toConstantValue(storage.stateStore);
  c.bind(TOKENS.BatchCommitter).toConstantValue(storage.committer);
  // SQL storage keeps lineage next to the loads it describes (same knex, same transaction)
  if (storage.lineage) (await c.rebind(TOKENS.LineageLog)).toConstantValue(storage.lineage);

  // every stage after the decision, in every profile: a record's fate must not depend on which
  // adapters run, or a replay elsewhere would decide it differently
  c.bind<readonly EventEncoding[]>(STAGE_ENCODINGS).toConstantValue([
    STAGED_EVENT_ENCODING,
    adEventEncoding(adEventType()),
    EVENT_STAGE_ENCODING,
  ]);
  c.bind(OUTAGES).toDynamicValue(
    (ctx) => new DependencyOutages(logger, ctx.get<Metrics>(TOKENS.Metrics)),
  );
  c.bind(SERVICE).toDynamicValue((ctx) => {
    const pseudonymizer = ctx.get<Pseudonymizer>(TOKENS.Pseudonymizer);
    const metrics = ctx.get<Metrics>(TOKENS.Metrics);
    return new PipelineService(
      new MeteredEventSource(ctx.get(TOKENS.EventSource), metrics, config.lagIntervalMs),
      ctx.get(TOKENS.StateStore),
      {
        decoder: ctx.get(TOKENS.RecordDecoder),
        store: ctx.get(TOKENS.ObjectStore),
        committer: new MeteredBatchCommitter(ctx.get(TOKENS.BatchCommitter), metrics),
        publisher: new MeteredEventPublisher(ctx.get(TOKENS.EventPublisher), metrics),
        stateStore: ctx.get(TOKENS.StateStore),
        lineage: ctx.get(TOKENS.LineageLog),
        metrics,
        clock: ctx.get(TOKENS.Clock),
        pseudonymizeUser: (id) => pseudonymizer.pseudonymize(id),
        // one key: no older pseudonyms to look up, and no HMAC per click spent finding that out
        ...(config.pseudonymizationKeys.length > 1
          ? { previousPseudonyms: (id: string) => pseudonymizer.previousPseudonyms(id) }
          : {}),
        stageEncodings: ctx.get<readonly EventEncoding[]>(STAGE_ENCODINGS),
        versions: {
          code: CODE_VERSION,
          rules: String(RULES_VERSION),
          configHash: config.configHash,
          contracts: contractVersions(),
        },
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
        outageOf: outageClassifier(config),
        outages: ctx.get<DependencyOutages>(OUTAGES),
        onRetry: (attempt, error) => {
          metrics.error('side_effects');
          logger.warn('batch side effects failed, retrying', { attempt, error: String(error) });
        },
      },
      config.rules,
      logger,
      {
        inputs: [...sourceTopics(config).keys()],
        idleTimeoutMs: config.idleTimeoutMs,
        owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
        snapshotCadence: { everyUnits: config.snapshotEvery, logRatio: config.snapshotLogRatio },
      },
      new AggregateRefresher(ctx.get(TOKENS.Warehouse), metrics, logger, config.refreshIntervalMs),
    );
  });
  return c;
}
