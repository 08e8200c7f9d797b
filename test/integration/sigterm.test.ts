/**
 * The built CLI (`adx serve`, ADX_PROFILE=real) as a child process: SIGTERM while it consumes
 * makes it finish the batch in flight, commit, leave the consumer group and exit 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { produce } from '../../src/cli/produce';
import { buildCli } from '../support/cli';
import { dropRun } from '../support/kafka-topics-io';
import { requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';
import { describeGroup, realConfig, realEnv } from './support/real-service';

const ROOT = join(__dirname, '..', '..');
const COUNT = 30_000;
const prefix = `${uniqueRunName('it-sigterm')}.`;
// small batches: many commits, so the signal lands while records are still being consumed
const env = realEnv(prefix, { ADX_BATCH_SIZE: '100', ADX_SIM_USERS: '5000' });
const config = realConfig(prefix, { ADX_BATCH_SIZE: '100', ADX_SIM_USERS: '5000' });
const groupId = config.kafka?.groupId as string;
const kafka = testKafka();

/** sum of the group's committed offsets over the source topics (0 before the first commit) */
async function committed(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = [config.topics.impressions, config.topics.clicks, config.topics.bidRequests];
    const offsets = await admin.fetchOffsets({ groupId, topics });
    return offsets
      .flatMap((t) => t.partitions)
      .reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

let child: ChildProcess | undefined;

beforeAll(async () => {
  await requireStack();
  buildCli();
  await produce(config, { count: COUNT, seed: 77 });
}, 180_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await dropRun(kafka, prefix);
});

interface Served {
  readonly proc: ChildProcess;
  readonly output: () => { stdout: string; stderr: string };
  /** resolves with the exit, or rejects 30 s after being asked */
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(): Served {
  const proc = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    output: () => ({ stdout, stderr }),
    exit: () =>
      Promise.race([
        exited,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`no exit 30 s after SIGTERM:\n${stderr.slice(-3000)}`)),
            30_000,
          ).unref(),
        ),
      ]),
  };
}

/** SIGTERM, then: exit 0, the report printed, the group left */
async function terminate(served: Served, label: string, atSignal: number): Promise<void> {
  expect(served.proc.kill('SIGTERM')).toBe(true);
  const signalledAt = Date.now();
  const { code, signal } = await served.exit();
  const { stdout, stderr } = served.output();
  process.stdout.write(
    `[sigterm] ${label}: ${atSignal}/${COUNT} records committed at the signal; exit ${code} ` +
      `${Date.now() - signalledAt} ms after SIGTERM\n`,
  );
  expect({ code, signal, stderr: code === 0 ? '' : stderr.slice(-3000) }).toEqual({
    code: 0,
    signal: null,
    stderr: '',
  });
  expect(stderr).toContain('stopping: finishing the batch in flight');
  expect(stdout).toContain('TOTAL');
  const group = await describeGroup(kafka, groupId);
  expect(group.members).toEqual([]);
  expect(['Empty', 'Dead']).toContain(group.state);
}

it('on SIGTERM while consuming: drains, commits, leaves the group and exits 0', async () => {
  const served = serve();
  let atSignal = 0;
  await waitFor(
    'the child to commit its first batches',
    async () => (atSignal = await committed()) > 0,
    60_000,
    () => served.output().stderr.slice(-2000),
    50,
  );
  await terminate(served, 'consuming', atSignal);
  const after = await committed();
  expect(after).toBeGreaterThanOrEqual(atSignal);
  expect(after).toBeLessThanOrEqual(COUNT);
});

it('restarted, resumes from the committed offsets; on SIGTERM while idle exits 0 as well', async () => {
  const served = serve();
  await waitFor(
    'the restarted child to consume the rest',
    async () => (await committed()) === COUNT,
    60_000,
    () => served.output().stderr.slice(-2000),
    200,
  );
  // idle: its fetches now wait on the broker for data that does not come
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await terminate(served, 'idle', COUNT);
});
