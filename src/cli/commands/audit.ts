import { Argument } from 'commander';
import { defineCommand } from '../command-spec';
import { dayOrInstantText } from '../option-parsers';
import { preferQuickWasmStart } from '../quick-start';

export const auditCommand = defineCommand<{ readonly from?: string; readonly to?: string }>({
  name: 'audit',
  summary: 'check that every batch conserves its counts (exit 1 on a mismatch)',
  description:
    'audit checks on the warehouse (DATABASE_URL or ADX_PGLITE_DIR). conservation: per batch and ' +
    'topic-partition, received = accepted + rejected + duplicates, fact rows = accepted, stopped ' +
    'records = rejected + duplicates; exit 1 on any mismatch',
  examples: [
    { run: 'adx audit conservation', what: 'every batch; exit 1 when any does not add up' },
    {
      run: 'adx audit conservation --from 2026-11-26 --to 2026-11-27 --json',
      what: 'the batches loaded on one day, as JSON',
    },
  ],
  json: 'JSON instead of text',
  define(command) {
    command
      .addArgument(new Argument('<check>', 'conservation').choices(['conservation']))
      .option(
        '--from <date>',
        'batches loaded from (YYYY-MM-DD or ISO-8601), inclusive',
        dayOrInstantText,
      )
      .option(
        '--to <date>',
        'batches loaded before (YYYY-MM-DD or ISO-8601), exclusive',
        dayOrInstantText,
      );
  },
  async run({ options, json, config }) {
    preferQuickWasmStart();
    const { conservation } = await import('../audit-command');
    return conservation(await config(), { ...options, json });
  },
});
