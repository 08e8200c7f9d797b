import { defineCommand } from '../command-spec';
import { UsageError } from '../exit-codes';
import { partitionNumber } from '../option-parsers';

interface RebuildOptions {
  readonly partition?: number;
  readonly all?: boolean;
}

export const rebuildCommand = defineCommand<RebuildOptions>({
  name: 'rebuild',
  summary: 'rebuild decider state from the state changelog and check it equals the live state',
  description:
    'rebuilds each partition group’s dedupe and attribution state from its changelog of domain ' +
    'events alone (never the source topics) and compares it with the live state the service ' +
    'restores (snapshot plus the entries after it), in the database at DATABASE_URL or ' +
    'ADX_PGLITE_DIR. Read-only: it takes no lease, so a running service is not disturbed. ' +
    'Exit 1 when any group differs (or a --partition has nothing stored)',
  examples: [
    { run: 'adx rebuild', what: 'every group; exit 1 when any differs' },
    { run: 'adx rebuild --partition 3 --json', what: 'one group, as JSON' },
  ],
  json: 'JSON instead of text',
  define(command) {
    command
      .option('--partition <n>', 'only this partition group', partitionNumber)
      .option('--all', 'every group with stored state (the default)');
  },
  async run({ options, json, config }) {
    if (options.partition !== undefined && options.all)
      throw new UsageError('give --partition or --all, not both');
    // not preferQuickWasmStart: a whole log's worth of rows, where PGlite's optimized code pays
    const { rebuild } = await import('../rebuild-command');
    return rebuild(await config(), { partition: options.partition, json });
  },
});
