import { Argument } from 'commander';
import { FACT_TABLES } from '../../../adapters/warehouse/fact-tables';
import { defineCommand } from '../command-spec';
import { UsageError } from '../exit-codes';
import { dayText, kafkaCoordinatesText } from '../option-parsers';
import { preferQuickWasmStart } from '../quick-start';

/** The lineage functions, loaded only once a lineage command runs. */
async function lineageFunctions() {
  preferQuickWasmStart();
  return import('../lineage-command');
}

const batch = defineCommand({
  name: 'batch <batchId>',
  summary: 'one batch: Kafka range, counts, staged objects, every step',
  description:
    "a batch's Kafka range, counts, staged objects and every lineage step; exit 1 if unknown",
  examples: [{ run: 'adx lineage batch clicks-1-27-69', what: 'one batch, step by step' }],
  json: 'JSON instead of text',
  async run({ args, json, config }) {
    const { lineageBatch } = await lineageFunctions();
    return lineageBatch(await config(), args[0] as string, json);
  },
});

const trace = defineCommand<{ readonly source?: string }>({
  name: 'trace [eventId]',
  summary: 'one event (or Kafka record) end to end, or where it stopped',
  description:
    'an event from its warehouse row back to its Kafka offset, batch, steps, staged object and ' +
    'attribution, or where it stopped (rejected, duplicate); exit 1 if nothing is known of it',
  examples: [
    { run: 'adx lineage trace clk-7-196', what: 'by event id' },
    {
      run: 'adx lineage trace --source clicks/1/61',
      what: 'by Kafka coordinates (clicks/1@61 works too): also a record that left no fact row',
    },
  ],
  json: 'JSON instead of text',
  define(command) {
    command.option(
      '--source <topic/partition/offset>',
      'trace by Kafka coordinates instead of an event id',
      kafkaCoordinatesText,
    );
  },
  async run({ args, options, json, config }) {
    const eventId = args[0];
    if (eventId !== undefined && options.source !== undefined)
      throw new UsageError('give an event id or --source, not both');
    if (eventId === undefined && options.source === undefined)
      throw new UsageError('give an event id, or --source topic/partition/offset');
    const { lineageTrace, lineageTraceSource } = await lineageFunctions();
    return options.source !== undefined
      ? lineageTraceSource(await config(), options.source, json)
      : lineageTrace(await config(), eventId as string, json);
  },
});

const dataset = defineCommand<{ readonly date?: string; readonly campaign?: string }>({
  name: 'dataset',
  summary: 'which batches and Kafka ranges fed a fact table',
  description: 'which batches and Kafka ranges fed a fact table, optionally one day or campaign',
  examples: [
    {
      run: 'adx lineage dataset fact_click --date 2026-11-26 --campaign cmp-002',
      what: "what fed one campaign's clicks on one day",
    },
  ],
  json: 'JSON instead of text',
  define(command) {
    command
      .addArgument(new Argument('<table>', 'a fact table').choices(Object.values(FACT_TABLES)))
      .option('--date <date>', 'one UTC day (YYYY-MM-DD)', dayText)
      .option('--campaign <id>', 'one campaign');
  },
  async run({ args, options, json, config }) {
    const { lineageDataset } = await lineageFunctions();
    const filter = {
      ...(options.date ? { date: options.date } : {}),
      ...(options.campaign ? { campaign: options.campaign } : {}),
    };
    return lineageDataset(await config(), args[0] as string, filter, json);
  },
});

export const lineageCommand = defineCommand({
  name: 'lineage',
  summary: 'where warehouse rows came from: batch, trace, dataset',
  description:
    'where warehouse rows came from, read from the warehouse at DATABASE_URL or ADX_PGLITE_DIR: ' +
    'batch, trace, dataset',
  examples: [
    { run: 'adx lineage trace clk-7-196', what: 'an event end to end' },
    { run: 'adx lineage trace --help', what: 'the options of one subcommand' },
  ],
  subcommands: [batch, trace, dataset],
});
