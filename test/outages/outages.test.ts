/**
 * Outages are waited out, not fatal: Postgres, the S3 server and the schema registry each stopped
 * for a minute (the registry also before the service starts), and a Kafka broker restart. The
 * built service keeps running through each, logs one line when it finds the dependency down and
 * one when it is back, answers /readyz false naming the dependency meanwhile, resumes from the
 * stored positions, and loads every accepted event exactly once. These suites stop parts of the
 * shared stack, so they run last (npm test) and alone.
 */
import { execFileSync } from 'node:child_process';
import type { ProduceResult } from '../../src/cli/produce';
import {
  FACT_TABLES,
  factCounts,
  ledgerReport,
  lineageProblems,
} from '../exactly-once/support/ledger-checks';
import { ROOT } from '../exactly-once/support/service-process';
import { requireStack } from '../support/stack';
import { runThroughOutage, stack, type Component, type OutageRun } from './support/outage-run';

const sum = (produced: readonly ProduceResult[], pick: (p: ProduceResult) => number): number =>
  produced.reduce((n, p) => n + pick(p), 0);

beforeAll(async () => {
  await requireStack();
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
});

describe.each([
  ['postgres', 'postgres', 'mid-run'],
  ['s3proxy', 'object store', 'mid-run'],
  ['registry', 'schema registry', 'start-up'],
  ['kafka', 'kafka', 'mid-run'],
] as const)('%s down (%s, %s)', (component: Component, dependency, when) => {
  let outage: OutageRun;

  beforeAll(async () => {
    try {
      outage = await runThroughOutage(component, dependency, when);
    } finally {
      // whatever happened, the next suite finds the stack whole
      await stack('start', component);
    }
  }, 900_000);

  afterAll(() => outage?.cleanUp());

  it('kept running, said once that it was down and once that it was back, and drained on SIGTERM', () => {
    expect(outage.aliveThroughOutage).toBe(true);
    const about = outage.lines.filter((l) => l.dependency === dependency);
    const down = about.filter((l) => l.message.startsWith('dependency down'));
    const back = about.filter((l) => l.message === 'dependency back');
    expect(down.length).toBeGreaterThanOrEqual(1);
    // a second outage line only after a recovery: never one per retry
    expect(down.length).toBe(back.length);
    expect(down.length).toBeLessThanOrEqual(3);
    expect({
      code: outage.exit.code,
      tail: outage.exit.code === 0 ? '' : outage.exit.stderr.slice(-2000),
    }).toEqual({ code: 0, tail: '' });
  });

  it('was not ready while the dependency was down, and named it; ready again after', () => {
    expect(outage.readyDuring).toEqual({ status: 503, text: `not ready: ${dependency} down\n` });
    expect(outage.readyAfter.status).toBe(200);
  });

  it('loaded every accepted event exactly once, from the stored positions', async () => {
    const counts = await factCounts(outage.db);
    for (const [type] of FACT_TABLES) {
      const truth = sum(outage.produced, (p) => p.groundTruth?.validUnique[type] ?? 0);
      expect({ type, ...counts[type] }).toEqual({ type, rows: truth, distinct: truth });
    }
    const report = await ledgerReport(outage.db);
    expect(report.misplaced).toEqual([]);
    expect(report.unconserved).toEqual([]);
    expect(report.loadedVsAccepted).toEqual([]);
    expect(report.totals.duplicates).toBe(
      sum(outage.produced, (p) => p.groundTruth?.duplicates ?? 0),
    );
    expect(await lineageProblems(outage.db)).toEqual({ incomplete: 0, orphaned: 0 });
  });
});
