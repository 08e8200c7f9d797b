import { defineCommand } from '../command-spec';
import { UsageError } from '../exit-codes';
import { positiveInt } from '../option-parsers';

interface ProduceOptions {
  readonly count?: number;
  readonly rate?: number;
  readonly seed?: number;
  readonly eventTimeStep?: number;
  readonly file?: string[];
}

export const produceCommand = defineCommand<ProduceOptions>({
  name: 'produce',
  summary: 'send simulated traffic or files into the Kafka source topics',
  description:
    'send simulated traffic or replay files into the source topics (needs KAFKA_BROKERS and ' +
    'SCHEMA_REGISTRY_URL); prints how many records went to each topic',
  examples: [
    { run: 'adx produce --count 100000 --seed 7', what: 'simulated traffic, all three formats' },
    {
      run: 'adx produce --file impressions.ndjson --file clicks.csv --file bids.avro',
      what: 'replay files: NDJSON impressions, CSV clicks and conversions, Avro bid requests',
    },
    { run: 'adx produce --count 1000 --json', what: "also print the simulator's ground truth" },
  ],
  json: 'print what was sent (and the simulator ground truth) as JSON',
  define(command) {
    command
      .option('--count <n>', 'simulated records to send', positiveInt)
      .option(
        '--rate <n>',
        'pace simulated records at n per second (event time follows the clock)',
        positiveInt,
      )
      .option('--seed <n>', 'simulator seed', positiveInt)
      .option(
        '--event-time-step <ms>',
        'event time between simulated records when not paced (default 5): how long a span they cover',
        positiveInt,
      )
      .option(
        '--file <path...>',
        'replay files: .ndjson/.jsonl impressions, .csv clicks and conversions, .avro bid requests',
      );
  },
  async run({ options, json, config }) {
    const { eventTimeStep, file, ...rest } = options;
    if (options.count === undefined && file === undefined)
      throw new UsageError('nothing to send: give --count <n> or --file <path>');
    const { produce } = await import('../produce');
    const result = await produce(await config(), {
      ...rest,
      ...(file ? { files: file } : {}),
      ...(eventTimeStep !== undefined ? { eventTimeStepMs: eventTimeStep } : {}),
    });
    if (json) {
      const truth = result.groundTruth
        ? { ...result.groundTruth, perCampaign: Object.fromEntries(result.groundTruth.perCampaign) }
        : undefined;
      return { output: JSON.stringify({ produced: result.produced, groundTruth: truth }) };
    }
    const lines = Object.entries(result.produced).map(([topic, n]) => `${topic}: ${n} records`);
    return { output: lines.length > 0 ? lines.join('\n') : 'nothing sent' };
  },
});
