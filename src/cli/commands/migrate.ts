import { Argument } from 'commander';
import { defineCommand } from '../command-spec';
import { UsageError } from '../exit-codes';
import { preferQuickWasmStart } from '../quick-start';

export const migrateCommand = defineCommand<{ readonly all?: boolean }>({
  name: 'migrate',
  summary: 'apply, revert or list the warehouse schema migrations',
  description:
    'warehouse schema migrations on Postgres (DATABASE_URL) or PGlite (ADX_PGLITE_DIR): up ' +
    'applies the pending ones (and creates a missing PGlite database), down reverts the last, ' +
    'status lists them without changing anything',
  examples: [
    {
      run: 'DATABASE_URL=postgresql://postgres@127.0.0.1:5432/advertisex adx migrate up',
      what: 'create or update the warehouse schema on Postgres',
    },
    { run: 'ADX_PGLITE_DIR=./.data/db adx migrate status', what: 'applied and pending migrations' },
    { run: 'adx migrate down --all', what: 'revert every migration (drops the facts)' },
  ],
  json: 'print the migrations applied, reverted or pending as JSON',
  define(command) {
    command
      .addArgument(new Argument('<action>', 'up | down | status').choices(['up', 'down', 'status']))
      .option('--all', 'with down: revert every migration');
  },
  async run({ args, options, json, config }) {
    const action = args[0] as 'up' | 'down' | 'status';
    if (options.all && action !== 'down') throw new UsageError('--all goes with down only');
    if (action === 'status') preferQuickWasmStart();
    const { migrate } = await import('../migrate-command');
    return { output: await migrate(await config(), action, options.all ?? false, json) };
  },
});
