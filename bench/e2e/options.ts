import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export interface E2eOptions {
  /** records produced (all three source topics together) */
  readonly n: number;
  /** service processes in one consumer group */
  readonly instances: number;
  /** records/s the producer is paced at, the service already running (a freshness run) */
  readonly rate?: number;
  /** leave topics, database and bucket behind */
  readonly keep: boolean;
  /** write a V8 CPU profile of each service process into this directory */
  readonly profileDir?: string;
  /** extra environment for the service (ADX_BATCH_SIZE=5000 ...), `--env NAME=VALUE` */
  readonly serviceEnv: Readonly<Record<string, string>>;
  readonly seed: number;
  /** give up on the service reaching the topics' ends after this long */
  readonly timeoutMs: number;
}

const USAGE = `usage: npm run bench:e2e -- [--n 1000000] [--instances 1] [--rate R] [--keep]
       [--profile] [--profile-dir DIR] [--env NAME=VALUE ...] [--seed 7] [--timeout-s 1800]`;

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name}: expected a positive integer\n${USAGE}`);
  return n;
}

export function parseOptions(argv: readonly string[]): E2eOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      n: { type: 'string' },
      instances: { type: 'string' },
      rate: { type: 'string' },
      keep: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'profile-dir': { type: 'string' },
      env: { type: 'string', multiple: true },
      seed: { type: 'string' },
      'timeout-s': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const serviceEnv: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--env ${pair}: expected NAME=VALUE\n${USAGE}`);
    serviceEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const profileDir =
    values['profile-dir'] ??
    (values.profile ? join(tmpdir(), `adx-e2e-profile-${Date.now()}`) : undefined);
  return {
    n: positiveInt('n', values.n, 1_000_000),
    instances: positiveInt('instances', values.instances, 1),
    ...(values.rate !== undefined ? { rate: positiveInt('rate', values.rate, 1) } : {}),
    keep: values.keep ?? false,
    ...(profileDir ? { profileDir } : {}),
    serviceEnv,
    seed: positiveInt('seed', values.seed, 7),
    timeoutMs: positiveInt('timeout-s', values['timeout-s'], 1800) * 1000,
  };
}
