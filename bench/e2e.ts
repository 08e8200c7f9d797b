/**
 * bench:e2e — the whole service against the real stack (Kafka, registry, S3Proxy, Postgres),
 * next to the ceiling a bare kafkajs consumer sets on the same topics. Prints one JSON line.
 *
 * Without --rate: N simulated records are produced first, then read by the bare consumer, then
 * by `adx serve` (real profile, built dist/) until every partition's committed position is its
 * end. With --rate R: the service is started first and the records are produced at R/s while it
 * runs, so freshness is that of a live stream rather than of a backlog; the bare consumer reads
 * afterwards. Flags: see bench/e2e/options.ts and README "Benchmarks".
 */
import { loadavg } from 'node:os';
import { mkdirSync } from 'node:fs';
import { createKafka } from '../adapters/kafka/kafka-client';
import { ensureTopics } from '../adapters/kafka/kafka-topics';
import { sourceTopicSpecs } from '../src/cli/topic-specs';
import { produce } from '../src/cli/produce';
import { loadConfig } from '../src/config/config';
import { bareConsume, topicEnds } from './e2e/bare-consumer';
import { bareProduce } from './e2e/bare-producer';
import { createRun, dropRun, openDatabase } from './e2e/bench-run';
import { ledgerFigures } from './e2e/ledger-figures';
import { parseOptions } from './e2e/options';
import { formatSummary, profileFiles, summarizeProfiles } from './e2e/profile-summary';
import { ServiceGroup, type ServiceFigures } from './e2e/service-processes';
import { stageTotals } from './e2e/stage-metrics';

const log = (line: string) => process.stderr.write(`[bench:e2e] ${line}\n`);
const round = (x: number, digits = 0) => Number(x.toFixed(digits));
const load = () => loadavg().map((l) => round(l, 2));

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const loadAtStart = load();
  // a bad --env value fails here, naming the variable, before anything is created
  loadConfig({ ...options.serviceEnv });
  const run = await createRun();
  const serviceEnv = { ...run.env, ...options.serviceEnv };
  const config = loadConfig(serviceEnv);
  if (!config.kafka) throw new Error('KAFKA_BROKERS: required');
  const kafka = createKafka(config.kafka);
  const sources = [config.topics.impressions, config.topics.clicks, config.topics.bidRequests];
  const db = openDatabase(run);
  const nodeArgs = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  log(`run ${run.name}, database ${run.database}, ${options.n} records, load ${loadAtStart}`);
  let service: ServiceGroup | undefined;
  try {
    const startService = async () => {
      const group = await ServiceGroup.start(serviceEnv, options.instances, run.database, nodeArgs);
      service = group;
      return { group, startedMs: Date.now() };
    };
    const produceAll = async () => {
      const t = performance.now();
      await produce(config, {
        count: options.n,
        seed: options.seed,
        ...(options.rate ? { rate: options.rate } : {}),
      });
      const seconds = (performance.now() - t) / 1000;
      log(`produced ${options.n} records in ${seconds.toFixed(1)} s`);
      return seconds;
    };

    let produceSeconds: number;
    let bare: Awaited<ReturnType<typeof bareConsume>>;
    let started: { group: ServiceGroup; startedMs: number };
    let caughtUpMs: number;
    let figures: ServiceFigures;
    if (options.rate) {
      await ensureTopics(kafka, sourceTopicSpecs(config));
      started = await startService();
      await started.group.ready(120_000);
      log(`service ready; producing at ${options.rate} records/s`);
      produceSeconds = await produceAll();
      const ends = await topicEnds(kafka, sources);
      caughtUpMs = await started.group.caughtUp(db, ends, options.timeoutMs);
      figures = await started.group.stop();
      bare = await bareConsume(kafka, `${run.prefix}bare`, ends, options.timeoutMs);
    } else {
      produceSeconds = await produceAll();
      const ends = await topicEnds(kafka, sources);
      bare = await bareConsume(kafka, `${run.prefix}bare`, ends, options.timeoutMs);
      log(`bare kafkajs: ${bare.records} records in ${bare.seconds.toFixed(1)} s`);
      started = await startService();
      caughtUpMs = await started.group.caughtUp(db, ends, options.timeoutMs);
      figures = await started.group.stop();
    }
    service = undefined;
    const published = await bareProduce(
      kafka,
      config.topics.adEvents,
      `${run.prefix}bare_producer`,
      `${run.prefix}bare_reader`,
      config.batchSize,
    );
    log(`service caught up in ${((caughtUpMs - started.startedMs) / 1000).toFixed(1)} s`);
    const loadAtEnd = load();

    const ledger = await ledgerFigures(db, bare.timestamps);
    const stages = stageTotals(figures.metrics);
    const serviceSeconds = (caughtUpMs - started.startedMs) / 1000;
    // steady state: the first batch's intent → the poll that saw the last commit
    const serviceSteadySeconds = (caughtUpMs - ledger.firstBegunMs) / 1000;
    const barePerSec = bare.records / bare.steadySeconds;
    const servicePerSec = ledger.received / serviceSteadySeconds;
    const result = {
      records: options.n,
      instances: options.instances,
      rate: options.rate ?? null,
      profiled: Boolean(options.profileDir),
      serviceEnv: options.serviceEnv,
      loadAverage: { start: loadAtStart, end: loadAtEnd },
      produceSeconds: round(produceSeconds, 1),
      bareKafkajs: {
        recordsPerSec: round(barePerSec),
        seconds: round(bare.steadySeconds, 3),
        withJoinSeconds: round(bare.seconds, 2),
        cpuSeconds: round(bare.cpuSeconds, 2),
        microsPerRecord: round((1e6 * bare.cpuSeconds) / Math.max(1, bare.records), 1),
      },
      // the service's ad_events, produced again by a bare kafkajs producer: publishing's own cost
      bareKafkajsProducer: {
        records: published.records,
        recordsPerSec: round(published.records / published.seconds),
        seconds: round(published.seconds, 2),
        cpuSeconds: round(published.cpuSeconds, 2),
        microsPerRecord: round((1e6 * published.cpuSeconds) / Math.max(1, published.records), 1),
      },
      service: {
        recordsPerSec: round(servicePerSec),
        seconds: round(serviceSteadySeconds, 2),
        withStartupSeconds: round(serviceSeconds, 2),
        recordsPerSecWithStartup: round(ledger.received / serviceSeconds),
      },
      // under --rate the service only gets what the producer sends: no ceiling to compare with
      ratioBareToService: options.rate ? null : round(barePerSec / servicePerSec, 1),
      freshnessMs: ledger.freshnessMs ?? null,
      serviceAppendFreshnessMeanSeconds: stages.appendFreshnessMeanSeconds ?? null,
      batches: ledger.batches,
      recordsPerBatch: ledger.recordsPerBatch,
      peakRssMB: round(figures.peakRssMB),
      cpuSeconds: {
        node: round(figures.cpuSeconds, 1),
        postgresBenchDatabase: round(figures.postgresCpuSeconds.database, 1),
        postgresAllProcesses: round(figures.postgresCpuSeconds.all, 1),
        nodeMicrosPerRecord: round((1e6 * figures.cpuSeconds) / ledger.received, 1),
        // the broker, S3Proxy and registry serve the same records on the same cores
        stack: Object.fromEntries(
          Object.entries(figures.stackCpuSeconds.byComponent).map(([c, s]) => [c, round(s, 1)]),
        ),
        machineBusy: round(figures.stackCpuSeconds.machineBusy, 1),
        machineMicrosPerRecord: round(
          (1e6 * figures.stackCpuSeconds.machineBusy) / ledger.received,
          1,
        ),
      },
      stageSeconds: stages.stages,
      ledger: {
        received: ledger.received,
        accepted: ledger.accepted,
        rejected: ledger.rejected,
        duplicates: ledger.duplicates,
        factRows: ledger.factRows,
      },
      conserved:
        ledger.factRows + ledger.rejected + ledger.duplicates === options.n &&
        ledger.received === options.n &&
        ledger.factRows === ledger.accepted,
      exitCodes: figures.exitCodes,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (options.profileDir) {
      const files = profileFiles([options.profileDir]);
      log(`${files.length} profile(s) in ${options.profileDir}`);
      if (files.length > 0) process.stderr.write(formatSummary(summarizeProfiles(files)));
    }
  } finally {
    const s = service as ServiceGroup | undefined;
    await s?.kill();
    await db.destroy();
    if (options.keep) log(`kept topics ${run.prefix}*, bucket ${run.bucket}, ${run.databaseUrl}`);
    else for (const problem of await dropRun(run, kafka)) log(`cleanup: ${problem}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    // the stack only on request, as adx does (ADX_DEBUG=1)
    `${error instanceof Error ? ((process.env.ADX_DEBUG ? error.stack : undefined) ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
