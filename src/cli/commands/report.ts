import { defineCommand } from '../command-spec';
import { dayOrInstantText } from '../option-parsers';
import { preferQuickWasmStart } from '../quick-start';

interface ReportOptions {
  readonly from: string;
  readonly to: string;
  readonly campaign?: string;
}

export const reportCommand = defineCommand<ReportOptions>({
  name: 'report',
  summary: 'campaign metrics (CTR, CVR, CPA, CPM, ROAS, win rate) from the warehouse',
  description:
    'campaign metrics (impressions, clicks, conversions, spend, revenue, CTR, CVR, CPA, CPM, ROAS, ' +
    'win rate) from the warehouse at DATABASE_URL or ADX_PGLITE_DIR; refuses one that does not ' +
    'exist or is not migrated',
  examples: [
    {
      run: 'ADX_PGLITE_DIR=./.data/db adx report --from 2026-11-01 --to 2026-12-01',
      what: 'November (UTC) from the embedded database a serve wrote',
    },
    {
      run: 'adx report --from 2026-11-26T06:00:00Z --to 2026-11-26T12:00:00Z --campaign cmp-003 --json',
      what: 'six hours of one campaign, as JSON',
    },
  ],
  json: 'JSON instead of a table',
  define(command) {
    command
      .requiredOption(
        '--from <date>',
        'first day (YYYY-MM-DD, UTC) or ISO-8601 instant, inclusive',
        dayOrInstantText,
      )
      .requiredOption(
        '--to <date>',
        'end (YYYY-MM-DD, UTC) or ISO-8601 instant, exclusive',
        dayOrInstantText,
      )
      .option('--campaign <id>', 'one campaign only');
  },
  async run({ options, json, config }) {
    preferQuickWasmStart();
    const { report } = await import('../report-command');
    return { output: await report(await config(), { ...options, json }) };
  },
});
