/**
 * The exactly-once effect, tested by killing the service: 100,000 simulated records go through
 * the real stack (Kafka, registry, S3Proxy, Postgres) while the service is killed with SIGKILL at
 * 24 points spread over every step of a batch (after the intent, staging, publishing, lineage,
 * the combined load-and-commit) and restarted each time. Afterwards every accepted event is in
 * the facts exactly once, the committed batches tile every partition's offsets with no gap and
 * no overlap, received = accepted + rejected + duplicates per batch and per partition, the totals
 * equal the simulator's ground truth, and the materialized views equal a recomputation from the
 * facts.
 */
import { execFileSync } from 'node:child_process';
import type { Knex } from 'knex';
import { auditConservation } from '../../adapters/lineage/audit-queries';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { produce, type ProduceResult } from '../../src/cli/produce';
import { loadConfig } from '../../src/config/config';
import { CRASH_POINTS } from '../../src/pipeline/crash-points';
import { dropRun } from '../support/kafka-topics-io';
import { log, ROOT, serviceEnv, startProcess, type Exit } from './support/service-process';
import {
  caughtUpCheck,
  FACT_TABLES,
  factCounts,
  ledgerReport,
  lineageProblems,
} from './support/ledger-checks';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { requireStack, testKafka, uniqueRunName, waitFor } from '../support/stack';

const EVENTS = Number(process.env.EO_EVENTS ?? 100_000);
/** a run that has not crashed by then never will: it is stopped and the test fails */
const RUN_TIMEOUT_MS = 120_000;
const KILLS = 24;
const run = uniqueRunName('eo');
const prefix = `${run}.`;
const bucket = run.replace(/[^a-z0-9-]/g, '-').toLowerCase();
const kafka = testKafka();

describe('exactly once under kill -9', () => {
  let db: Knex;
  let database: TestDatabase;
  let databaseUrl: string;
  let produced: ProduceResult;
  const exits: { plan: string; exit: Exit }[] = [];

  beforeAll(async () => {
    await requireStack();
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    database = await createTestDatabase('eo', { migrated: true });
    databaseUrl = database.url;
    db = createPostgresKnex({ connectionString: databaseUrl });
    const config = loadConfig(serviceEnv(prefix, bucket, databaseUrl, {}));
    produced = await produce(config, { count: EVENTS, seed: 20261126 });
    log(`produced ${EVENTS} records`);

    for (let i = 0; i < KILLS; i++) {
      const point = CRASH_POINTS[i % CRASH_POINTS.length] as string;
      const plan = `${point}:${1 + ((i * 5) % 4)}`;
      // a new group per run: positions come from the state store, and no rebalance has to wait
      // for the killed member's session to expire
      const started = Date.now();
      const { child, exited } = startProcess(
        serviceEnv(prefix, bucket, databaseUrl, {
          ADX_CRASH_AT: plan,
          KAFKA_GROUP_ID: `${prefix}run-${i}`,
        }),
      );
      const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
      const exit = await exited;
      clearTimeout(timer);
      exits.push({ plan, exit });
      log(
        `run ${i} ${plan}: ${exit.signal ?? `exit ${exit.code}`} after ${Date.now() - started} ms`,
      );
    }

    const last = startProcess(
      serviceEnv(prefix, bucket, databaseUrl, { KAFKA_GROUP_ID: `${prefix}run-final` }),
    );
    const caughtUp = await caughtUpCheck(
      db,
      kafka,
      ['impressions', 'clicks', 'bid_requests'].map((t) => prefix + t),
    );
    await waitFor('the final run to commit every partition to its end', caughtUp, 240_000);
    last.child.kill('SIGTERM');
    exits.push({ plan: 'final (SIGTERM)', exit: await last.exited });
  }, 900_000);

  afterAll(async () => {
    await db?.destroy();
    await database?.drop().catch(() => undefined);
    await dropRun(kafka, prefix);
  });

  it('was killed with SIGKILL at every planned point, and the last run drained and exited 0', () => {
    const killed = exits.slice(0, KILLS).map((e) => ({
      plan: e.plan,
      signal: e.exit.signal,
      tail: e.exit.signal === 'SIGKILL' ? '' : e.exit.stderr.slice(-2000),
    }));
    expect(killed.filter((k) => k.signal !== 'SIGKILL')).toEqual([]);
    expect(new Set(exits.slice(0, KILLS).map((e) => e.plan.split(':')[0]))).toEqual(
      new Set(CRASH_POINTS),
    );
    const final = exits[KILLS]?.exit;
    expect({
      code: final?.code,
      tail: final?.code === 0 ? '' : final?.stderr.slice(-2000),
    }).toEqual({ code: 0, tail: '' });
  });

  it('left crashed batches behind as uncommitted intents, which were then redone', async () => {
    const open = await db('batch_intent')
      .whereNull('committed_at')
      .count<{ count: string }[]>('* as count');
    const retried = await db('batch_intent')
      .where('attempts', '>', 1)
      .count<{ count: string }[]>('* as count');
    expect(Number(open[0]?.count) + Number(retried[0]?.count)).toBeGreaterThan(0);
  });

  it('loads every accepted event exactly once and no duplicate', async () => {
    const truth = produced.groundTruth?.validUnique;
    const counts = await factCounts(db);
    for (const [type] of FACT_TABLES)
      expect({ type, ...counts[type] }).toEqual({
        type,
        rows: truth?.[type],
        distinct: truth?.[type],
      });
  });

  it('committed batches tile every partition, each conserving received = accepted + rejected + duplicates', async () => {
    const report = await ledgerReport(db);
    expect(report.misplaced).toEqual([]);
    expect(report.unconserved).toEqual([]);
    expect(report.loadedVsAccepted).toEqual([]);
    const truth = produced.groundTruth;
    expect(report.totals.received).toBe(EVENTS);
    expect(report.totals.duplicates).toBe(truth?.duplicates);
    expect(report.totals.rejected).toBe(
      Object.values(truth?.malformed ?? {}).reduce((a, b) => a + b, 0),
    );
  });

  it('recorded each batch’s lineage and each stopped record exactly once, through every kill', async () => {
    expect(await lineageProblems(db)).toEqual({ incomplete: 0, orphaned: 0 });
    // one stopped record per rejected or duplicate record, and the audit agrees batch by batch
    const truth = produced.groundTruth;
    const malformed = Object.values(truth?.malformed ?? {}).reduce((a, b) => a + b, 0);
    const [stopped] = (await db('lineage_stopped_record').count('* as n')) as { n: string }[];
    expect(Number(stopped?.n)).toBe(malformed + (truth?.duplicates ?? 0));
    const report = await auditConservation(db);
    expect(report.mismatches).toEqual([]);
    expect(report.conserved).toBe(true);
  });

  it('has aggregates equal to a recomputation from the facts and to the ground truth', async () => {
    // adds whatever the last member's loads left pending (migration 010)
    await db.raw('SELECT adx_apply_aggregate_deltas()');
    const fromView = (
      await db.raw(
        `SELECT campaign_id, sum(impressions)::bigint::text AS impressions, sum(clicks)::bigint::text AS clicks,
              sum(conversions)::bigint::text AS conversions, sum(spend_micros)::bigint::text AS spend,
              sum(revenue_micros)::bigint::text AS revenue, sum(bid_requests)::bigint::text AS bids,
              sum(bids_won)::bigint::text AS won
         FROM mv_campaign_daily GROUP BY 1 ORDER BY 1`,
      )
    ).rows as Record<string, string>[];
    const fromFacts = (
      await db.raw(
        `SELECT c.campaign_id,
              (SELECT count(*) FROM fact_impression f WHERE f.campaign_id = c.campaign_id)::text AS impressions,
              (SELECT count(*) FROM fact_click f WHERE f.campaign_id = c.campaign_id)::text AS clicks,
              (SELECT count(*) FROM fact_conversion f WHERE f.campaign_id = c.campaign_id)::text AS conversions,
              (SELECT coalesce(sum(cost_micros), 0) FROM fact_impression f WHERE f.campaign_id = c.campaign_id)::text AS spend,
              (SELECT coalesce(sum(revenue_micros), 0) FROM fact_conversion f WHERE f.campaign_id = c.campaign_id)::text AS revenue,
              (SELECT count(*) FROM fact_bid_request f WHERE f.campaign_id = c.campaign_id)::text AS bids,
              (SELECT count(*) FILTER (WHERE won) FROM fact_bid_request f WHERE f.campaign_id = c.campaign_id)::text AS won
         FROM dim_campaign c ORDER BY 1`,
      )
    ).rows as Record<string, string>[];
    expect(fromView).toEqual(fromFacts);
    const truth = produced.groundTruth?.perCampaign ?? new Map();
    expect(fromView.map((r) => r.campaign_id)).toEqual([...truth.keys()].sort());
    for (const r of fromView) {
      const t = truth.get(r.campaign_id as string);
      expect(r).toEqual({
        campaign_id: r.campaign_id,
        impressions: String(t?.impressions),
        clicks: String(t?.clicks),
        conversions: String(t?.conversions),
        spend: String(t?.spendMicros),
        revenue: String(t?.revenueMicros),
        bids: String(t?.bidRequests),
        won: String(t?.bidsWon),
      });
    }
  });
});
