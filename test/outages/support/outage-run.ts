/**
 * One run of the built service through one dependency outage on the real stack: the dependency is
 * stopped with `ops/stack.sh stop <component>` (mid-run, or before the service starts), kept down
 * for OUTAGE_MS (60 s by default, as the issue asks), started again, and the run goes on to the
 * end of the input. What the run saw is returned for the test to judge.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Knex } from 'knex';
import { createPostgresKnex } from '../../../adapters/postgres/postgres-knex';
import { produce, type ProduceResult } from '../../../src/cli/produce';
import { loadConfig } from '../../../src/config/config';
import { sourceTopics } from '../../../src/container/app-tokens';
import {
  log,
  ROOT,
  serviceEnv,
  startProcess,
  type Exit,
  type LogLine,
} from '../../exactly-once/support/service-process';
import { caughtUpCheck, committedRecords } from '../../exactly-once/support/ledger-checks';
import { dropRun } from '../../support/kafka-topics-io';
import { createTestDatabase, type TestDatabase } from '../../support/postgres';
import { freePort, testKafka, uniqueRunName, waitFor } from '../../support/stack';

const run = promisify(execFile);
export const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 60_000);
const HALF = 5_000;

export type Component = 'postgres' | 's3proxy' | 'registry' | 'kafka';

export const stack = async (verb: 'stop' | 'start', component: Component): Promise<void> => {
  log(`ops/stack.sh ${verb} ${component}`);
  await run('bash', ['ops/stack.sh', verb, component], { cwd: ROOT, timeout: 300_000 });
};

async function readiness(port: number): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: res.status, text: await res.text() };
  } catch {
    return { status: 0, text: 'no answer' };
  }
}

export interface OutageRun {
  readonly produced: ProduceResult[];
  readonly lines: readonly LogLine[];
  /** /readyz while the dependency was down, once the service had noticed */
  readonly readyDuring: { status: number; text: string };
  readonly readyAfter: { status: number; text: string };
  /** the service was still running when the dependency came back */
  readonly aliveThroughOutage: boolean;
  readonly exit: Exit;
  readonly db: Knex;
  cleanUp(): Promise<void>;
}

/**
 * `when: 'mid-run'`: half the input is produced and committed, the dependency stops, the other
 * half is produced (after the outage when Kafka is what stopped); `'start-up'`: the dependency is
 * down before the service starts and all input is there.
 */
export async function runThroughOutage(
  component: Component,
  dependency: string,
  when: 'mid-run' | 'start-up',
): Promise<OutageRun> {
  const name = uniqueRunName(`out-${component}`);
  const prefix = `${name}.`;
  const bucket = name.replace(/[^a-z0-9-]/g, '-').toLowerCase();
  const database: TestDatabase = await createTestDatabase(`out_${component}`, { migrated: true });
  const db = createPostgresKnex({ connectionString: database.url, poolMax: 2 });
  const port = await freePort();
  const env = serviceEnv(prefix, bucket, database.url, {
    KAFKA_GROUP_ID: `${prefix}pipeline`,
    ADX_HTTP_PORT: String(port),
    ADX_IDLE_TIMEOUT: '2s',
  });
  const config = loadConfig(env);
  const topics = [...sourceTopics(config).keys()];
  const produced: ProduceResult[] = [await produce(config, { count: HALF, seed: 101 })];
  const noticed = (lines: readonly LogLine[]) =>
    lines.some((l) => l.message.startsWith('dependency down') && l.dependency === dependency);

  if (when === 'start-up') await stack('stop', component);
  const service = startProcess(env);
  let exited = false;
  void service.exited.then(() => (exited = true));
  const cleanUp = async (): Promise<void> => {
    if (!exited) service.child.kill('SIGKILL');
    await db.destroy();
    await database.drop().catch(() => undefined);
    await dropRun(testKafka(), prefix);
  };
  try {
    if (when === 'mid-run') {
      await waitFor(
        'the first half committed',
        async () => (await committedRecords(db, topics)) >= HALF,
        180_000,
      );
      await stack('stop', component);
      const downSince = Date.now();
      if (component !== 'kafka') produced.push(await produce(config, { count: HALF, seed: 202 }));
      await waitFor('the service to notice the outage', () => noticed(service.lines), 120_000);
      await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downSince))));
    } else {
      await waitFor('the service to notice the outage', () => noticed(service.lines), 120_000);
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
    }
    const readyDuring = await readiness(port);
    const aliveThroughOutage = !exited;
    await stack('start', component);
    if (component === 'kafka') produced.push(await produce(config, { count: HALF, seed: 202 }));
    else if (when === 'start-up') produced.push(await produce(config, { count: HALF, seed: 202 }));

    const caughtUp = await caughtUpCheck(db, testKafka(), topics);
    await waitFor('every record committed after the outage', caughtUp, 300_000);
    await waitFor(
      'the service to be ready again',
      async () => (await readiness(port)).status === 200,
      60_000,
    );
    const readyAfter = await readiness(port);
    service.child.kill('SIGTERM');
    const exit = await service.exited;
    return {
      produced,
      lines: service.lines,
      readyDuring,
      readyAfter,
      aliveThroughOutage,
      exit,
      db,
      cleanUp,
    };
  } catch (error) {
    // a failed run leaves no service process or connection behind to keep jest from exiting
    await cleanUp();
    throw error;
  }
}
