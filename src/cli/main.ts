#!/usr/bin/env node
import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config/config';
import { serve } from './serve';

const positiveInt = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

const program = new Command('adx').description('AdvertiseX ad-event pipeline').showHelpAfterError();

program
  .command('serve')
  .description('run the pipeline service (embedded profile: simulated traffic, in-memory adapters)')
  .option('--events <n>', 'process n simulated records, print the campaign report and exit', positiveInt('--events'))
  .option('--rate <n>', 'simulated records per second when running unbounded', positiveInt('--rate'))
  .option('--seed <n>', 'simulator seed', positiveInt('--seed'))
  .action(async (opts: { events?: number; rate?: number; seed?: number }) => {
    const config = loadConfig();
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const result = await serve(config, opts, abort.signal);
    process.stdout.write(`${result.report}\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`adx: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`adx: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
