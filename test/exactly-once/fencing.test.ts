/**
 * Fencing with two processes and a forced reassignment: member A stalls in the middle of a batch
 * (after staging, publishing and lineage, before its load-and-commit) until the group has given
 * every partition to member B, which restores them under newer epochs and goes on. A then wakes
 * (SIGUSR2 ends the stall: no timer guesses how long the hand-over takes) and tries to commit:
 * the commit is refused, its transaction leaves nothing in the warehouse, A drops the partition,
 * rejoins and both drain the topics. Every accepted event is loaded exactly once, the committed
 * batches tile every partition, and the changelog never holds an entry of a fenced epoch after
 * a newer owner's.
 */
import { execFileSync } from 'node:child_process';
import type { Knex } from 'knex';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { produce, type ProduceResult } from '../../src/cli/produce';
import { loadConfig } from '../../src/config/config';
import { dropRun } from '../support/kafka-topics-io';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';
import {
  caughtUpCheck,
  FACT_TABLES,
  factCounts,
  ledgerReport,
  lineageProblems,
} from './support/ledger-checks';
import { log, ROOT, serviceEnv, startProcess, type LogLine } from './support/service-process';

const EVENTS = 20_000;
const PARTITIONS = 3;
const run = uniqueRunName('fence');
const prefix = `${run}.`;
const bucket = run.replace(/[^a-z0-9-]/g, '-').toLowerCase();
const kafka = testKafka();

const acquired = (lines: readonly LogLine[]): Map<number, number> =>
  new Map(
    lines
      .filter((l) => l.message === 'partition acquired')
      .map((l) => [Number(l.partition), Number(l.epoch)]),
  );

type Member = ReturnType<typeof startProcess>;

async function exitWithin(
  p: Member,
  member: string,
  ms: number,
): Promise<Awaited<Member['exited']>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      p.child.kill('SIGKILL');
      const last = p.lines
        .slice(-15)
        .map((l) => l.message)
        .join('; ');
      reject(
        new Error(`member ${member} did not exit ${ms} ms after SIGTERM; last lines: ${last}`),
      );
    }, ms);
  });
  try {
    return await Promise.race([p.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a member that lost its partitions while stalled is fenced', () => {
  let db: Knex;
  let database: TestDatabase;
  let produced: ProduceResult;
  let fenced: LogLine[] = [];
  let takenOver = new Map<number, number>();
  let stalledEpochs = new Map<number, number>();
  const exits: { member: string; code: number | null; tail: string }[] = [];

  beforeAll(async () => {
    await requireStack();
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    database = await createTestDatabase('fence', { migrated: true });
    db = createPostgresKnex({ connectionString: database.url });
    const env = (extra: Record<string, string>) =>
      serviceEnv(prefix, bucket, database.url, {
        KAFKA_GROUP_ID: `${prefix}pipeline`,
        ADX_PARTITIONS: String(PARTITIONS),
        // the broker's minimum: a silent member loses its partitions soon
        ADX_KAFKA_SESSION_TIMEOUT: '6s',
        ADX_IDLE_TIMEOUT: '2s',
        ...extra,
      });
    produced = await produce(loadConfig(env({})), { count: EVENTS, seed: 20261201 });

    // A alone takes every partition, commits two batches and stalls in its third
    const a = startProcess(env({ ADX_STALL_AT: 'after_lineage:3:600000' }));
    await waitFor(
      'member A to stall',
      () => a.lines.some((l) => l.message.startsWith('stalling')),
      180_000,
      () => a.lines.map((l) => l.message).join('; '),
    );
    stalledEpochs = acquired(a.lines);
    log(`A stalled holding ${JSON.stringify([...stalledEpochs])}`);
    const b = startProcess(env({}));
    await waitFor(
      'member B to take every partition over',
      () => acquired(b.lines).size === PARTITIONS,
      180_000,
      () => JSON.stringify([...acquired(b.lines)]),
    );
    takenOver = acquired(b.lines);
    log(`B took over ${JSON.stringify([...takenOver])}; resuming A`);
    a.child.kill('SIGUSR2');
    await waitFor(
      'member A to find itself fenced',
      () => a.lines.some((l) => l.message === 'partition fenced'),
      120_000,
      () => a.lines.map((l) => l.message).join('; '),
    );
    fenced = a.lines.filter((l) => l.message === 'partition fenced');
    log(`A found itself fenced (${fenced.length} batch(es))`);

    const caughtUp = await caughtUpCheck(
      db,
      kafka,
      ['impressions', 'clicks', 'bid_requests'].map((t) => prefix + t),
    );
    await waitFor('both members to commit every partition to its end', caughtUp, 240_000);
    log('every partition committed to its end; stopping both members');
    for (const [member, p] of [
      ['A', a],
      ['B', b],
    ] as const) {
      p.child.kill('SIGTERM');
      // bounded, so a member that does not drain fails here, saying where it stopped, instead
      // of running the whole hook into jest's timeout with nothing to read
      const exit = await exitWithin(p, member, 90_000);
      exits.push({
        member,
        code: exit.code,
        tail: exit.code === 0 ? '' : exit.stderr.slice(-2000),
      });
    }
  }, 600_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop().catch(() => undefined);
    await dropRun(kafka, prefix);
  });

  it('took every partition from A to B under newer epochs, and refused A’s stalled commit', () => {
    expect([...stalledEpochs.keys()].sort()).toEqual([0, 1, 2]);
    for (const [partition, epoch] of takenOver)
      expect({ partition, newer: epoch > (stalledEpochs.get(partition) ?? Infinity) }).toEqual({
        partition,
        newer: true,
      });
    // the stalled batch, and any batch A had already fetched before it heard of the new owner
    expect(fenced.length).toBeGreaterThanOrEqual(1);
    for (const line of fenced)
      expect({ epoch: line.epoch, batch: typeof line.batchId }).toEqual({
        epoch: stalledEpochs.get(Number(line.partition)),
        batch: 'string',
      });
  });

  it('left nothing of the fenced commit: no changelog entry under the old epoch after the new one', async () => {
    const rows = (await db('partition_changelog')
      .select('partition', 'sequence', 'epoch', 'batch_id')
      .orderBy(['partition', 'sequence'])) as {
      partition: number;
      sequence: string;
      epoch: string;
      batch_id: string;
    }[];
    const refused = new Set(fenced.map((l) => `${l.partition}/${l.epoch}/${l.batchId}`));
    expect(rows.filter((r) => refused.has(`${r.partition}/${r.epoch}/${r.batch_id}`))).toEqual([]);
    const backwards: string[] = [];
    const latest = new Map<number, number>();
    for (const r of rows) {
      if (Number(r.epoch) < (latest.get(r.partition) ?? 0))
        backwards.push(`${r.partition}/${r.sequence}`);
      latest.set(r.partition, Math.max(latest.get(r.partition) ?? 0, Number(r.epoch)));
    }
    expect(backwards).toEqual([]);
  });

  it('both members drained and exited 0', () => {
    expect(exits).toEqual([
      { member: 'A', code: 0, tail: '' },
      { member: 'B', code: 0, tail: '' },
    ]);
  });

  it('loaded every accepted event exactly once; the batches tile every partition', async () => {
    const truth = produced.groundTruth;
    const counts = await factCounts(db);
    for (const [type] of FACT_TABLES)
      expect({ type, ...counts[type] }).toEqual({
        type,
        rows: truth?.validUnique[type],
        distinct: truth?.validUnique[type],
      });
    const report = await ledgerReport(db);
    expect(report.misplaced).toEqual([]);
    expect(report.unconserved).toEqual([]);
    expect(report.loadedVsAccepted).toEqual([]);
    expect(report.totals.received).toBe(EVENTS);
    expect(report.totals.duplicates).toBe(truth?.duplicates);
    expect(await lineageProblems(db)).toEqual({ incomplete: 0, orphaned: 0 });
  });
});
