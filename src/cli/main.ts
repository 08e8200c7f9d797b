#!/usr/bin/env node
import 'reflect-metadata';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import type { LoginKind } from '../../adapters/postgres/access-roles';
import { ConfigError, loadConfig } from '../config/config';
import { createLogin, LOGIN_KINDS, whoami } from './access-command';
import { conservation } from './audit-command';
import {
  lineageBatch,
  lineageDataset,
  lineageTrace,
  lineageTraceSource,
  type LineageResult,
} from './lineage-command';
import { migrate, type MigrateAction } from './migrate-command';
import { produce } from './produce';
import { report } from './report-command';
import { serve } from './serve';
import { serveReal } from './serve-real';

const positiveInt =
  (name: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive integer`);
    return n;
  };

const program = new Command('adx').description('AdvertiseX ad-event pipeline').showHelpAfterError();

program
  .command('serve')
  .description(
    'run the pipeline service (ADX_PROFILE=embedded: simulated traffic into PGlite; real: Kafka, S3, Postgres)',
  )
  .option(
    '--events <n>',
    'process n simulated records, print the campaign report and exit',
    positiveInt('--events'),
  )
  .option(
    '--rate <n>',
    'simulated records per second when running unbounded',
    positiveInt('--rate'),
  )
  .option('--seed <n>', 'simulator seed', positiveInt('--seed'))
  .action(async (opts: { events?: number; rate?: number; seed?: number }) => {
    const config = loadConfig();
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const result =
      config.profile === 'real'
        ? await serveReal(config, abort.signal)
        : await serve(config, opts, abort.signal);
    process.stdout.write(`${result.report}\n`);
  });

program
  .command('produce')
  .description(
    'send simulated traffic or replay files into the source topics (needs KAFKA_BROKERS, SCHEMA_REGISTRY_URL)',
  )
  .option('--count <n>', 'simulated records to send', positiveInt('--count'))
  .option(
    '--rate <n>',
    'pace simulated records at n per second (event time follows the clock)',
    positiveInt('--rate'),
  )
  .option('--seed <n>', 'simulator seed', positiveInt('--seed'))
  .option(
    '--event-time-step <ms>',
    'event time between simulated records when not paced (default 5): how long a span they cover',
    positiveInt('--event-time-step'),
  )
  .option(
    '--file <path...>',
    'replay files: .ndjson/.jsonl impressions, .csv clicks and conversions, .avro bid requests',
  )
  .option('--json', 'print what was sent (and the simulator ground truth) as JSON')
  .action(
    async (opts: {
      count?: number;
      rate?: number;
      seed?: number;
      eventTimeStep?: number;
      file?: string[];
      json?: boolean;
    }) => {
      const config = loadConfig();
      const { eventTimeStep, file, ...rest } = opts;
      const result = await produce(config, {
        ...rest,
        ...(file ? { files: file } : {}),
        ...(eventTimeStep !== undefined ? { eventTimeStepMs: eventTimeStep } : {}),
      });
      if (opts.json) {
        const truth = result.groundTruth
          ? {
              ...result.groundTruth,
              perCampaign: Object.fromEntries(result.groundTruth.perCampaign),
            }
          : undefined;
        process.stdout.write(
          `${JSON.stringify({ produced: result.produced, groundTruth: truth })}\n`,
        );
      } else {
        for (const [topic, n] of Object.entries(result.produced))
          process.stdout.write(`${topic}: ${n} records\n`);
      }
    },
  );

program
  .command('migrate')
  .description('warehouse schema migrations on Postgres (DATABASE_URL) or PGlite (ADX_PGLITE_DIR)')
  .addArgument(new Argument('<action>', 'up | down | status').choices(['up', 'down', 'status']))
  .option('--all', 'with down: revert every migration')
  .action(async (action: string, opts: { all?: boolean }) => {
    if (!['up', 'down', 'status'].includes(action))
      throw new InvalidArgumentError(`unknown action '${action}'`);
    process.stdout.write(
      `${await migrate(loadConfig(), action as MigrateAction, opts.all ?? false)}\n`,
    );
  });

program
  .command('report')
  .description(
    'campaign metrics (impressions, clicks, conversions, spend, CTR, CVR, CPA, CPM, ROAS, win rate)',
  )
  .requiredOption('--from <date>', 'first day (YYYY-MM-DD, UTC) or ISO-8601 instant, inclusive')
  .requiredOption('--to <date>', 'end (YYYY-MM-DD, UTC) or ISO-8601 instant, exclusive')
  .option('--campaign <id>', 'one campaign only')
  .option('--json', 'JSON instead of a table')
  .action(async (opts: { from: string; to: string; campaign?: string; json?: boolean }) => {
    process.stdout.write(`${await report(loadConfig(), opts)}\n`);
  });

const emit = (result: LineageResult): void => {
  process.stdout.write(`${result.output}\n`);
  if (result.exitCode !== 0) process.exitCode = result.exitCode;
};

const lineage = program
  .command('lineage')
  .description(
    'where warehouse rows came from (DATABASE_URL or ADX_PGLITE_DIR): batch, trace, dataset',
  );
lineage
  .command('batch <batchId>')
  .description("a batch's inputs, outputs and counts of every step")
  .option('--json', 'JSON instead of text')
  .action(async (batchId: string, opts: { json?: boolean }) => {
    emit(await lineageBatch(loadConfig(), batchId, opts.json ?? false));
  });
lineage
  .command('trace [eventId]')
  .description(
    'an event from its warehouse row back to its Kafka offset, batch, steps, staged object and attribution',
  )
  .option(
    '--source <topic/partition/offset>',
    'trace by Kafka coordinates instead (also finds the batch of a rejected or duplicate record)',
  )
  .option('--json', 'JSON instead of text')
  .action(async (eventId: string | undefined, opts: { source?: string; json?: boolean }) => {
    if (opts.source) emit(await lineageTraceSource(loadConfig(), opts.source, opts.json ?? false));
    else if (eventId) emit(await lineageTrace(loadConfig(), eventId, opts.json ?? false));
    else throw new InvalidArgumentError('give an event id or --source topic/partition/offset');
  });
lineage
  .command('dataset <table>')
  .description('which batches and Kafka ranges fed a fact table, day or campaign')
  .option('--date <date>', 'one UTC day (YYYY-MM-DD)')
  .option('--campaign <id>', 'one campaign')
  .option('--json', 'JSON instead of text')
  .action(async (table: string, opts: { date?: string; campaign?: string; json?: boolean }) => {
    const filter = {
      ...(opts.date ? { date: opts.date } : {}),
      ...(opts.campaign ? { campaign: opts.campaign } : {}),
    };
    emit(await lineageDataset(loadConfig(), table, filter, opts.json ?? false));
  });

program
  .command('audit')
  .description('audit checks on the warehouse (DATABASE_URL or ADX_PGLITE_DIR)')
  .addArgument(new Argument('<check>', 'conservation').choices(['conservation']))
  .option('--from <date>', 'batches loaded from (YYYY-MM-DD or ISO-8601), inclusive')
  .option('--to <date>', 'batches loaded before (YYYY-MM-DD or ISO-8601), exclusive')
  .option('--json', 'JSON instead of text')
  .action(async (_check: string, opts: { from?: string; to?: string; json?: boolean }) => {
    emit(await conservation(loadConfig(), opts));
  });

const access = program
  .command('access')
  .description('database logins for the access roles (DATABASE_URL of an admin)');
access
  .command('create-login <login>')
  .description(
    'create or update a login that is a member of exactly one access role; password from ADX_LOGIN_PASSWORD',
  )
  .addOption(
    new Option('--role <role>', 'what the login is for')
      .choices([...LOGIN_KINDS])
      .makeOptionMandatory(),
  )
  .action(async (login: string, opts: { role: LoginKind }) => {
    const password = process.env.ADX_LOGIN_PASSWORD || undefined;
    process.stdout.write(`${await createLogin(loadConfig(), login, opts.role, password)}\n`);
  });
access
  .command('whoami')
  .description('the login DATABASE_URL names and the roles it is a member of')
  .action(async () => {
    process.stdout.write(`${await whoami(loadConfig())}\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`adx: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(
    `adx: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
