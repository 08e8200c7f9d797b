import { defineCommand } from '../command-spec';
import { UsageError } from '../exit-codes';
import { durationMs, positiveInt } from '../option-parsers';

interface ServeOptions {
  readonly events?: number;
  readonly rate?: number;
  readonly seed?: number;
  readonly backlog?: number;
}

export const serveCommand = defineCommand<ServeOptions>({
  name: 'serve',
  summary: 'run the pipeline service; print the campaign report when it ends',
  description:
    'run the pipeline service and print the campaign report on stdout when it ends (logs go to ' +
    'stderr). ADX_PROFILE=embedded (default): simulated traffic through the whole pipeline into ' +
    'PGlite; real: a Kafka consumer-group member until SIGINT/SIGTERM',
  examples: [
    { run: 'adx serve --events 200000', what: 'process 200,000 simulated records, report, exit 0' },
    { run: 'adx serve --rate 20000 --seed 7', what: 'unbounded simulated traffic; Ctrl-C drains' },
    {
      run: 'adx serve --events 200000 --backlog 3d',
      what: 'catch-up: three days of event time, all in the bus before the pipeline reads it',
    },
    { run: 'ADX_PROFILE=real adx serve', what: 'consume the Kafka topics (README "real profile")' },
  ],
  json: 'print the final report as JSON (campaigns, attributions) instead of a table',
  define(command) {
    command
      .option('--events <n>', 'process n simulated records, print the report and exit', positiveInt)
      .option('--rate <n>', 'simulated records per second when running unbounded', positiveInt)
      .option('--seed <n>', 'simulator seed', positiveInt)
      .option(
        '--backlog <duration>',
        'catch-up mode: the first records are from that far in the past (e.g. 3d), all at once',
        durationMs,
      );
  },
  async run({ options, json, config }) {
    const settings = await config();
    const simulated = [options.events, options.rate, options.seed, options.backlog].some(
      (o) => o !== undefined,
    );
    if (settings.profile === 'real' && simulated)
      throw new UsageError(
        '--events, --rate, --seed and --backlog drive the embedded simulator; with ADX_PROFILE=real, ' +
          'send traffic with `adx produce` instead',
      );
    // before anything heavy is even loaded: a second serve fails at once, naming ADX_HTTP_PORT
    const { checkServeCanStart } = await import('../serve-preflight');
    await checkServeCanStart(settings);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const result =
      settings.profile === 'real'
        ? await (await import('../serve-real')).serveReal(settings, abort.signal)
        : await (await import('../serve')).serve(settings, options, abort.signal);
    if (!json) return { output: result.report };
    const { kpisOf } = await import('../../report/campaign-report');
    return {
      output: JSON.stringify({
        campaigns: kpisOf(result.campaigns),
        attributions: result.attributions,
      }),
    };
  },
});
