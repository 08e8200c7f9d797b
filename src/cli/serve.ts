import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from 'inversify';
import type { MemoryBus } from '../../adapters/memory/memory-bus';
import { TOKENS, type Logger, type Metrics, type Warehouse } from '../../ports';
import type { CampaignMetrics } from '../../ports';
import { ConfigError } from '../config/config-error';
import type { AppConfig } from '../config/config';
import { registerContracts } from '../contracts/register-contracts';
import { buildContainer, EMBEDDED, SERVICE, STORAGE } from '../container/container';
import type { Storage } from '../container/storage';
import { SimulatedTraffic } from '../embedded/simulated-traffic';
import { startProgressLog } from '../embedded/progress-log';
import { startOpsServer } from '../http/ops-server';
import type { PipelineService } from '../pipeline/pipeline-service';
import {
  attributionSummary,
  formatRunReport,
  type AttributionSummary,
} from '../report/attribution-note';
import { createSimulator, type GroundTruth } from '../simulator/simulator';
import { messageOf } from './cli-failure';

export interface ServeOptions {
  /** process this many simulated records, print the report and exit */
  readonly events?: number;
  readonly rate?: number;
  readonly seed?: number;
  /**
   * catch-up mode: event time starts this far (ms) in the past and the records up to now are
   * produced at once, as a consumer finds them after an outage or on a backfill
   */
  readonly backlog?: number;
  /**
   * unbounded runs: event time advances this much per record (default 1000/rate, so it keeps pace
   * with the clock at the rate) and starts this far in the past (default 0). bench:embedded-soak
   * runs event time faster than the clock so state reaches its steady size within minutes.
   */
  readonly eventTime?: { readonly stepMs: number; readonly startAgoMs: number };
  /** called once the service runs (bench:embedded-soak samples its totals and metrics) */
  readonly onStarted?: (service: PipelineService, container: Container) => void;
}

export interface ServeResult {
  readonly container: Container;
  readonly service: PipelineService;
  readonly traffic: SimulatedTraffic;
  /** the campaign table and, under it, the attribution note */
  readonly report: string;
  /** the rows of the table, for --json */
  readonly campaigns: readonly CampaignMetrics[];
  readonly attributions: AttributionSummary;
  /** what the simulator injected: the yardstick the run is checked against */
  readonly groundTruth: GroundTruth;
}

/** How far unbounded simulated traffic may run ahead of the pipeline (records in the bus). */
const BACKLOG_AHEAD = 50_000;

/** Average event-time spacing of simulated traffic; bounded runs end one minute before now. */
const STEP_MS = 5;

/**
 * `adx serve` on the embedded profile: simulator → memory bus → pipeline → memory warehouse.
 * Bounded with `events`, otherwise until `signal` fires (SIGINT/SIGTERM in the CLI).
 */
export async function serve(
  configured: AppConfig,
  options: ServeOptions,
  signal?: AbortSignal,
): Promise<ServeResult> {
  const scratch = await scratchWarehouse(configured);
  try {
    return await serveWith(scratch?.config ?? configured, configured, options, signal);
  } finally {
    if (scratch) await rm(scratch.dir, { recursive: true, force: true });
  }
}

/**
 * A run without ADX_PGLITE_DIR keeps its PGlite database in a temporary directory, removed when
 * the run ends. In memory (Emscripten's MEMFS) PGlite holds every fact, lineage row and WAL segment
 * it ever wrote in the process (≈ 1 KB a record, without bound), and grows a file by copying it
 * whole: `serve --events 1000000` took 100-108 s and 2.6 GB of RSS in memory, 92-103 s and 1.3 GB
 * on disk (2026-12-04; at 5M, 9.4 against 1.6 GB). Only a run killed outright leaves it behind.
 */
async function scratchWarehouse(
  config: AppConfig,
): Promise<{ config: AppConfig; dir: string } | undefined> {
  const { warehouse } = config;
  if (warehouse.kind !== 'pglite' || warehouse.pgliteDir !== undefined) return;
  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'adx-embedded-'));
  } catch (error) {
    throw new ConfigError(
      `TMPDIR=${tmpdir()}: cannot create the embedded warehouse's temporary directory there ` +
        `(${(error as NodeJS.ErrnoException).code ?? messageOf(error)}). ` +
        'Set TMPDIR to a writable directory, or ADX_PGLITE_DIR to keep the database in one.',
    );
  }
  return { dir, config: { ...config, warehouse: { ...warehouse, pgliteDir: dir } } };
}

async function serveWith(
  config: AppConfig,
  configured: AppConfig,
  options: ServeOptions,
  signal?: AbortSignal,
): Promise<ServeResult> {
  let inputDone = (): boolean => false;
  const container = await buildContainer(config, { inputComplete: () => inputDone() });
  const logger = container.get<Logger>(TOKENS.Logger);
  if (config.ephemeralKey) {
    // only a warning when something outlives the process: in memory, nothing meets the next run
    const kept =
      configured.warehouse.kind === 'postgres' || configured.warehouse.pgliteDir !== undefined;
    logger[kept ? 'warn' : 'info'](
      kept
        ? 'ADX_PSEUDONYMIZATION_KEY is not set: using a random key for this process, so pseudonyms change on restart'
        : 'pseudonymizing user ids with a random key for this run (set ADX_PSEUDONYMIZATION_KEY to keep pseudonyms across runs)',
    );
  }
  const ids = await registerContracts(container.get(TOKENS.SchemaRegistry), config.topics);
  const total = options.events;
  const rate = options.rate ?? config.simulator.rate;
  const timing =
    options.eventTime && total === undefined && options.backlog === undefined
      ? {
          startTime: Date.now() - options.eventTime.startAgoMs,
          eventTimeStepMs: options.eventTime.stepMs,
          backlogRecords: 0,
        }
      : trafficTiming(Date.now(), total, rate, options.backlog);
  const { startTime } = timing;
  const simulator = createSimulator({
    seed: options.seed ?? config.simulator.seed,
    campaigns: config.simulator.campaigns,
    users: config.simulator.users,
    partitions: config.partitions,
    startTime,
    eventTimeStepMs: timing.eventTimeStepMs,
    bidRequestSchemaIds: ids.bidRequest,
  });
  const traffic = new SimulatedTraffic(
    container.get<MemoryBus>(EMBEDDED.Bus),
    simulator,
    config.topics,
  );
  const service = container.get<PipelineService>(SERVICE);
  const metrics = container.get<Metrics>(TOKENS.Metrics);
  const server = await startOpsServer(
    metrics,
    { healthy: () => service.status !== 'failed', ready: () => service.status === 'running' },
    config.http.host,
    config.http.port,
  );
  logger.info('serving', {
    profile: config.profile,
    metrics: `http://${config.http.host}:${(server.address() as { port: number }).port}/metrics`,
    events: total ?? 'unbounded',
    ...(config !== configured
      ? { warehouse: `PGlite in ${config.warehouse.pgliteDir} (temporary, removed at exit)` }
      : {}),
    rate: total === undefined ? rate : 'as fast as possible',
    ...(options.backlog !== undefined
      ? { backlogFrom: new Date(startTime).toISOString(), backlogRecords: timing.backlogRecords }
      : {}),
  });

  const stopProgress = startProgressLog(service.totals, logger, config.progressIntervalMs);
  await service.start();
  options.onStarted?.(service, container);
  const onAbort = (): void => {
    logger.info('stopping: finishing the batch in flight');
    traffic.stop();
    void service.stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (total !== undefined) {
      let fed = false;
      inputDone = () => fed;
      await traffic.feedBounded(total, () => service.totals.received);
      fed = true;
      await service.finished();
      if (!signal?.aborted) await service.endOfInput();
    } else {
      // the backlog at once, as fast as the pipeline takes it, then live traffic at the rate
      if (timing.backlogRecords > 0)
        await traffic.feedBounded(timing.backlogRecords, () => service.totals.received);
      traffic.feedAtRate(
        rate,
        () => service.totals.received,
        BACKLOG_AHEAD,
        (ahead) =>
          logger.warn('the pipeline is slower than the simulated rate: traffic is held back', {
            rate,
            maxBehind: ahead,
          }),
      );
      await service.finished();
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    traffic.stop();
    stopProgress();
    server.close();
  }
  const warehouse = container.get<Warehouse>(TOKENS.Warehouse);
  await warehouse.refreshAggregates();
  // whole UTC days, so a SQL warehouse answers from its daily aggregate view
  const campaigns = await warehouse.campaignMetrics(wholeDays(startTime, Date.now()));
  const t = service.totals;
  const attributions = attributionSummary(t, service.state);
  const report = formatRunReport(campaigns, attributions, config.rules.allowedLatenessMs);
  logger.info('done', {
    received: t.received,
    accepted: t.accepted,
    rejected: t.rejected,
    duplicates: t.duplicates,
    attributed: attributions.attributed,
    unattributed: attributions.unattributed,
    pendingClicks: attributions.pending.clicks,
    pendingConversions: attributions.pending.conversions,
    batches: service.batches,
  });
  await container.get<Storage>(STORAGE).close();
  return {
    container,
    service,
    traffic,
    report,
    campaigns,
    attributions,
    groundTruth: simulator.groundTruth(),
  };
}

/**
 * Where simulated event time starts and how fast it advances. Bounded runs end a minute before
 * now: 5 ms per record, or spread over the backlog. Unbounded runs advance 1000/rate ms per
 * record from now, or from now - backlog, the backlog's records (backlog x rate) produced at once.
 */
export function trafficTiming(
  now: number,
  total: number | undefined,
  rate: number,
  backlogMs: number | undefined,
): { startTime: number; eventTimeStepMs: number; backlogRecords: number } {
  if (total !== undefined) {
    if (backlogMs === undefined)
      return {
        startTime: now - 60_000 - total * STEP_MS,
        eventTimeStepMs: STEP_MS,
        backlogRecords: 0,
      };
    const span = Math.max(1, backlogMs - 60_000);
    return { startTime: now - backlogMs, eventTimeStepMs: span / total, backlogRecords: total };
  }
  const step = 1000 / rate;
  if (backlogMs === undefined) return { startTime: now, eventTimeStepMs: step, backlogRecords: 0 };
  return {
    startTime: now - backlogMs,
    eventTimeStepMs: step,
    backlogRecords: Math.floor(backlogMs / step),
  };
}

const DAY_MS = 86_400_000;

/** [first day's midnight, the midnight after the last day) in UTC. */
export function wholeDays(from: number, to: number): { from: number; to: number } {
  return { from: Math.floor(from / DAY_MS) * DAY_MS, to: (Math.floor(to / DAY_MS) + 1) * DAY_MS };
}
