/**
 * Scale-out on the real stack: three instances in one consumer group read 300,000 simulated
 * records (one day of event time) from six partitions per topic, while members are killed with
 * SIGKILL and started again ten times, each at a different point of the run, so partitions move
 * between members mid-run (a killed member's groups go to the others when its session expires,
 * and come back when it rejoins). Afterwards every accepted event is loaded exactly once, the
 * committed batches tile every partition, duplicates and rejections equal the simulator's ground
 * truth, and every click's and conversion's credit equals both the offline reference over the
 * topics' records and what a single instance makes of the same input.
 */
import { execFileSync } from 'node:child_process';
import type { Knex } from 'knex';
import { HmacPseudonymizer } from '../../adapters/crypto/hmac-pseudonymizer';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { ConfluentSchemaRegistry } from '../../adapters/schema-registry/confluent-schema-registry';
import { DAY_MS } from '../../domain';
import { produce, type ProduceResult } from '../../src/cli/produce';
import { loadConfig, type AppConfig } from '../../src/config/config';
import { sourceTopics } from '../../src/container/app-tokens';
import { startService } from '../integration/support/real-service';
import { dropRun, readTopic } from '../support/kafka-topics-io';
import { referenceCreditsById, referenceOutcome } from '../support/offline-reference';
import { createTestDatabase, type TestDatabase } from '../support/postgres';
import { decodedTopicPartitions } from '../support/reference-input';
import {
  requireStack,
  TEST_PSEUDONYMIZATION_KEY,
  testKafka,
  uniqueRunName,
  waitFor,
} from '../support/stack';
import {
  caughtUpCheck,
  committedRecords,
  FACT_TABLES,
  factCounts,
  ledgerReport,
} from '../exactly-once/support/ledger-checks';
import {
  log,
  ROOT,
  serviceEnv,
  startProcess,
  type Exit,
} from '../exactly-once/support/service-process';
import { creditRows, creditsById } from '../support/warehouse-credits';

const EVENTS = Number(process.env.SCALE_OUT_EVENTS ?? 300_000);
const MEMBERS = 3;
const KILLS = 10;
const PARTITIONS = 6;
const run = uniqueRunName('scale');
const prefix = `${run}.`;
const bucket = run.replace(/[^a-z0-9-]/g, '-').toLowerCase();
const kafka = testKafka();

type Member = ReturnType<typeof startProcess>;

describe('three instances in one group, members killed and restarted mid-run', () => {
  let group: { db: Knex; database: TestDatabase };
  let single: { db: Knex; database: TestDatabase };
  let config: AppConfig;
  let produced: ProduceResult;
  let topics: string[];
  const kills: { member: number; committed: number; exit: Exit }[] = [];
  const finals: Exit[] = [];

  const env = (databaseUrl: string, extra: Record<string, string> = {}) =>
    serviceEnv(prefix, bucket, databaseUrl, {
      KAFKA_GROUP_ID: `${prefix}pipeline`,
      ADX_PARTITIONS: String(PARTITIONS),
      ADX_BATCH_SIZE: '1000',
      ADX_SNAPSHOT_EVERY: '20',
      // a killed member's partitions move to the others once its session expires
      ADX_KAFKA_SESSION_TIMEOUT: '6s',
      // once everything is read, quiet inputs let the last clicks and conversions go
      ADX_IDLE_TIMEOUT: '2s',
      ADX_SIM_USERS: '20000',
      ...extra,
    });

  /** every accepted click and conversion has its credit row */
  const attributed = async (db: Knex): Promise<boolean> => {
    const [row] = (
      await db.raw(
        `SELECT (SELECT count(*) FROM fact_attribution)::int AS credits,
              ((SELECT count(*) FROM fact_click) + (SELECT count(*) FROM fact_conversion))::int AS owed`,
      )
    ).rows as { credits: number; owed: number }[];
    return row !== undefined && row.owed > 0 && row.credits === row.owed;
  };

  beforeAll(async () => {
    await requireStack();
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
    const [g, s] = await Promise.all([
      createTestDatabase('scale_group', { migrated: true }),
      createTestDatabase('scale_single', { migrated: true }),
    ]);
    group = { database: g, db: createPostgresKnex({ connectionString: g.url, poolMax: 2 }) };
    single = { database: s, db: createPostgresKnex({ connectionString: s.url, poolMax: 2 }) };
    config = loadConfig(env(g.url));
    topics = [...sourceTopics(config).keys()];
    produced = await produce(config, {
      count: EVENTS,
      seed: 20_261_202,
      // one day of event time, ending a minute ago
      eventTimeStepMs: (DAY_MS - 120_000) / EVENTS,
    });
    log(`produced ${EVENTS} records onto ${PARTITIONS} partitions per topic`);

    const members: Member[] = [];
    for (let i = 0; i < MEMBERS; i++) members.push(startProcess(env(g.url)));
    // the k-th kill when the group has committed k/(KILLS+2) of the input: spread over the run
    for (let k = 0; k < KILLS; k++) {
      const threshold = Math.floor((EVENTS * (k + 1)) / (KILLS + 2));
      await waitFor(
        `the group to commit ${threshold} records`,
        async () => (await committedRecords(group.db, topics)) >= threshold,
        300_000,
      );
      const victim = k % MEMBERS;
      const committed = await committedRecords(group.db, topics);
      members[victim]?.child.kill('SIGKILL');
      const exit = await (members[victim] as Member).exited;
      kills.push({ member: victim, committed, exit });
      log(`kill ${k}: member ${victim} at ${committed} committed (${exit.signal ?? exit.code})`);
      members[victim] = startProcess(env(g.url));
    }
    const caughtUp = await caughtUpCheck(group.db, kafka, topics);
    await waitFor('the group to commit every partition to its end', caughtUp, 600_000);
    await waitFor('every click and conversion credited', () => attributed(group.db), 120_000);
    for (const m of members) {
      m.child.kill('SIGTERM');
      finals.push(await m.exited);
    }

    // the same input through one in-process instance, a group and a database of its own
    const alone = startService(
      loadConfig(
        env(s.url, {
          KAFKA_GROUP_ID: `${prefix}single`,
          S3_BUCKET: `${bucket}-single`,
          ADX_WAREHOUSE: 'postgres',
          ADX_LOG_FORMAT: 'json',
          // in process, from the TypeScript sources: a worker thread could not load them
          ADX_PUBLISHER_THREAD: 'false',
        }),
      ),
    );
    const singleCaughtUp = await caughtUpCheck(single.db, kafka, topics);
    // a single instance that fails (or returns) ends the wait with its reason, not a timeout
    await Promise.race([
      waitFor('the single instance to read everything', singleCaughtUp, 600_000),
      alone.result.then(() => {
        throw new Error('the single instance returned before it read everything');
      }),
    ]);
    await waitFor('the single instance to credit everything', () => attributed(single.db), 120_000);
    await alone.stop();
  }, 1_500_000);

  afterAll(async () => {
    for (const side of [group, single]) {
      await side?.db.destroy();
      await side?.database.drop().catch(() => undefined);
    }
    await dropRun(kafka, prefix);
  });

  it('killed members with SIGKILL ten times mid-run; every member drained and exited 0 at the end', async () => {
    expect(kills.map((k) => k.exit.signal)).toEqual(Array(KILLS).fill('SIGKILL'));
    expect(kills.filter((k) => k.committed >= EVENTS)).toEqual([]);
    expect(
      finals.map((e) => ({ code: e.code, tail: e.code === 0 ? '' : e.stderr.slice(-2000) })),
    ).toEqual(Array(MEMBERS).fill({ code: 0, tail: '' }));
    // every group changed hands: each acquisition takes a new epoch
    const leases = (await group.db('partition_lease').select('partition', 'epoch')) as {
      partition: number;
      epoch: string;
    }[];
    expect(leases.map((l) => l.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(leases.filter((l) => Number(l.epoch) < 2)).toEqual([]);
  });

  it('loaded every accepted event exactly once; the batches tile every partition', async () => {
    const truth = produced.groundTruth;
    const counts = await factCounts(group.db);
    for (const [type] of FACT_TABLES)
      expect({ type, ...counts[type] }).toEqual({
        type,
        rows: truth?.validUnique[type],
        distinct: truth?.validUnique[type],
      });
    const report = await ledgerReport(group.db);
    expect(report.misplaced).toEqual([]);
    expect(report.unconserved).toEqual([]);
    expect(report.loadedVsAccepted).toEqual([]);
    expect(report.totals.received).toBe(EVENTS);
    expect(report.totals.duplicates).toBe(truth?.duplicates);
    expect(report.totals.rejected).toBe(
      Object.values(truth?.malformed ?? {}).reduce((a, b) => a + b, 0),
    );
  });

  it('credited every click and conversion as one instance does, and as the offline reference does', async () => {
    const scaled = creditsById(await creditRows(group.db));
    const alone = creditsById(await creditRows(single.db));
    expect(scaled.size).toBeGreaterThan(1000);
    expect(scaled).toEqual(alone);

    const records = (await Promise.all(topics.map((t) => readTopic(kafka, t)))).flat();
    const registry = new ConfluentSchemaRegistry({ url: config.registry?.url ?? '' });
    const decoder = new WireRecordDecoder(registry, {
      maxRecordBytes: config.rules.maxRecordBytes,
    });
    const input = await decodedTopicPartitions(records, sourceTopics(config), decoder);
    const pseudonymizer = new HmacPseudonymizer(Buffer.from(TEST_PSEUDONYMIZATION_KEY, 'hex'));
    const expected = referenceOutcome(input, config.rules, Date.now(), (id) =>
      pseudonymizer.pseudonymize(id),
    );
    expect(scaled).toEqual(referenceCreditsById(expected));
  });
});
