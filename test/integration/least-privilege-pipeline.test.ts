/**
 * The whole pipeline on the encrypted stack, each part as its own login (README "Access control"):
 * an admin creates the logins with `adx access create-login`; `adx migrate up` runs as the owner;
 * `adx produce` and the service use Kafka over SASL_SSL, the service stages to S3 over HTTPS
 * (encrypted on disk) and loads the TLS-only Postgres as a login that is only a member of
 * adx_loader (ADX_REQUIRE_LOADER_LOGIN=true); `adx report` runs as an analyst, `adx lineage` and
 * `adx audit` as an auditor. Then each login is denied what its role must not do.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { S3ObjectStore } from '../../adapters/s3/s3-object-store';
import { serveReal } from '../../src/cli/serve-real';
import { loadConfig } from '../../src/config/config';
import { buildCli, runAdx } from '../support/cli';
import { dropRun } from '../support/kafka-topics-io';
import { uniqueIdentifier } from '../support/postgres';
import { dropBucket } from '../support/s3';
import {
  kafkaTlsEnv,
  requireSecureStack,
  s3DataDir,
  s3HttpsConfig,
  s3HttpsEnv,
  tlsAdminKnex,
  tlsDatabaseUrl,
  tlsKafka,
} from '../support/secure-stack';
import { requireStack, STACK, TEST_PSEUDONYMIZATION_KEY, uniqueRunName } from '../support/stack';
import { realEnv, startService, waitUntilReceived } from './support/real-service';

const COUNT = 2000;
const prefix = `${uniqueRunName('it-least-priv')}.`;
const bucket = uniqueRunName('least-priv');
const database = uniqueIdentifier('adx_test_least_priv');
const suffix = randomBytes(3).toString('hex');
const LOGINS = {
  owner: `adx_it_owner_${suffix}`,
  loader: `adx_it_service_${suffix}`,
  analyst: `adx_it_report_${suffix}`,
  auditor: `adx_it_audit_${suffix}`,
} as const;
type Kind = keyof typeof LOGINS;
const PASSWORDS: Record<Kind, string> = {
  owner: randomBytes(12).toString('hex'),
  loader: randomBytes(12).toString('hex'),
  analyst: randomBytes(12).toString('hex'),
  auditor: randomBytes(12).toString('hex'),
};
const urlOf = (kind: Kind): string =>
  tlsDatabaseUrl(database, { user: LOGINS[kind], password: PASSWORDS[kind] });

const cliEnv = (kind: Kind): Record<string, string> => ({
  DATABASE_URL: urlOf(kind),
  ADX_WAREHOUSE: 'postgres',
});

const serviceEnv = (kind: Kind): Record<string, string> =>
  realEnv(prefix, {
    ...kafkaTlsEnv(),
    ...s3HttpsEnv(bucket),
    ADX_WAREHOUSE: 'postgres',
    DATABASE_URL: urlOf(kind),
    ADX_REQUIRE_LOADER_LOGIN: 'true',
    ADX_SIM_USERS: '1000',
    ADX_BATCH_SIZE: '500',
  });

const sessions: Knex[] = [];
function as(kind: Kind): Knex {
  const knex = createPostgresKnex({ connectionString: urlOf(kind), poolMax: 1 });
  sessions.push(knex);
  return knex;
}

/** 'ok' or the database's error for `sql`, always rolled back */
async function attempt(knex: Knex, sql: string): Promise<string> {
  try {
    await knex.transaction(async (trx) => {
      await trx.raw(sql);
      throw new Error('ok');
    });
  } catch (error) {
    return (error as Error).message.split(' - ').pop() ?? '';
  }
  return 'unreachable';
}

const denied = /permission denied|must be owner/;

/** each statement of `allowed` runs ('ok'), each of `refused` fails for want of a privilege */
async function expectAnswers(
  knex: Knex,
  allowed: readonly string[],
  refused: readonly string[],
): Promise<void> {
  for (const sql of allowed) expect([sql, await attempt(knex, sql)]).toEqual([sql, 'ok']);
  for (const sql of refused)
    expect([sql, await attempt(knex, sql)]).toEqual([sql, expect.stringMatching(denied)]);
}
let served: { received: number; accepted: number };

beforeAll(async () => {
  await requireSecureStack();
  await requireStack(['registry']);
  buildCli();
  const admin = tlsAdminKnex();
  try {
    await admin.raw(`CREATE DATABASE ${database}`);
  } finally {
    await admin.destroy();
  }
  // the admin creates the logins; the owner's grants are on this database's schema
  for (const kind of Object.keys(LOGINS) as Kind[]) {
    const r = await runAdx(['access', 'create-login', LOGINS[kind], '--role', kind], {
      DATABASE_URL: tlsDatabaseUrl(database),
      ADX_LOGIN_PASSWORD: PASSWORDS[kind],
    });
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toContain(
      `login ${LOGINS[kind]}: member of ${kind === 'owner' ? 'adx_loader' : `adx_${kind}`} (password set)`,
    );
  }
}, 300_000);

afterAll(async () => {
  await Promise.all(sessions.map((k) => k.destroy()));
  await dropRun(tlsKafka(), prefix);
  const store = new S3ObjectStore(s3HttpsConfig(bucket));
  await dropBucket(store.client, bucket).finally(() => store.close());
  const admin = tlsAdminKnex();
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    for (const login of Object.values(LOGINS)) await admin.raw(`DROP ROLE IF EXISTS ${login}`);
  } finally {
    await admin.destroy();
  }
}, 120_000);

it('migrates as the owner, runs the pipeline as the loader login, reports and audits as theirs', async () => {
  const migrated = await runAdx(['migrate', 'up'], cliEnv('owner'));
  expect(migrated).toMatchObject({ code: 0 });
  expect(migrated.stdout).toContain('applied 008_least_privilege');

  const produced = await runAdx(['produce', '--count', String(COUNT), '--seed', '41'], {
    ADX_PROFILE: 'real',
    SCHEMA_REGISTRY_URL: STACK.registryUrl,
    ADX_PSEUDONYMIZATION_KEY: TEST_PSEUDONYMIZATION_KEY,
    ADX_TOPIC_PREFIX: prefix,
    ADX_SIM_USERS: '1000',
    ...kafkaTlsEnv(),
  });
  expect(produced).toMatchObject({ code: 0 });

  const service = startService(loadConfig(serviceEnv('loader')));
  await waitUntilReceived([service], COUNT);
  const result = await service.stop();
  served = result.service.totals;
  expect(served.received).toBe(COUNT);
  expect(result.report).toContain('TOTAL');

  const loaded = await as('owner').raw<{ rows: { n: number }[] }>(
    'SELECT (SELECT count(*) FROM fact_impression) + (SELECT count(*) FROM fact_click) + ' +
      '(SELECT count(*) FROM fact_conversion) + (SELECT count(*) FROM fact_bid_request) AS n',
  );
  expect(Number(loaded.rows[0]?.n)).toBe(served.accepted);

  const report = await runAdx(
    ['report', '--from', '2000-01-01', '--to', '2100-01-01', '--json'],
    cliEnv('analyst'),
  );
  expect(report).toMatchObject({ code: 0 });
  const campaigns = (JSON.parse(report.stdout) as { campaigns: { impressions: number }[] })
    .campaigns;
  const impressions = await as('owner').raw<{ rows: { n: number }[] }>(
    'SELECT count(*)::int AS n FROM fact_impression',
  );
  expect(campaigns.reduce((n, c) => n + c.impressions, 0)).toBe(impressions.rows[0]?.n);

  const click = await as('owner').raw<{ rows: { event_id: string }[] }>(
    'SELECT event_id FROM fact_click ORDER BY event_id LIMIT 1',
  );
  const eventId = click.rows[0]?.event_id as string;
  const trace = await runAdx(['lineage', 'trace', eventId], cliEnv('auditor'));
  expect(trace).toMatchObject({ code: 0 });
  expect(trace.stdout).toContain(`row      fact_click event_id=${eventId}`);
  const audit = await runAdx(['audit', 'conservation'], cliEnv('auditor'));
  expect(audit).toMatchObject({ code: 0 });
  expect(audit.stdout).toMatch(/batches, \d+ topic-partitions: conserved/);

  // the staged objects went over HTTPS and are encrypted on disk: no event id in any raw file
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(join(s3DataDir(), bucket));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    expect(file).toMatch(/\.s3enc$/);
    expect(readFileSync(file).toString('latin1')).not.toContain(eventId);
  }
});

it('the CLI reports the refusals of the other roles', async () => {
  // the auditor cannot read the aggregates a report needs; the analyst cannot read lineage
  const report = await runAdx(
    ['report', '--from', '2000-01-01', '--to', '2100-01-01'],
    cliEnv('auditor'),
  );
  // a login of the wrong role is a setting to fix: exit 2, naming DATABASE_URL
  expect(report.code).toBe(2);
  expect(report.stderr).toMatch(
    /DATABASE_URL: its login may not do this \(permission denied for (materialized view|view|table)/,
  );
  const audit = await runAdx(['audit', 'conservation'], cliEnv('analyst'));
  expect(audit.code).toBe(2);
  expect(audit.stderr).toMatch(/DATABASE_URL: .*permission denied/);
});

it('the service refuses to start as a login that is more than a loader', async () => {
  await expect(
    serveReal(loadConfig(serviceEnv('owner')), new AbortController().signal),
  ).rejects.toThrow(
    new RegExp(`DATABASE_URL: the service's database login ${LOGINS.owner} .*owns`, 's'),
  );
});

describe('what each login is denied', () => {
  it('the loader cannot drop, alter, truncate, delete facts, create, or become another role', async () => {
    const loader = as('loader');
    await expectAnswers(
      loader,
      ['SELECT adx_apply_aggregate_deltas()'],
      [
        'DROP TABLE fact_click',
        'ALTER TABLE fact_click ADD COLUMN x int',
        'TRUNCATE fact_click',
        "DELETE FROM fact_click WHERE event_id = 'x'",
        "UPDATE fact_impression SET cost_micros = 0 WHERE event_id = 'x'",
        'CREATE TABLE loader_made (x int)',
        'DROP VIEW mv_campaign_daily',
        "UPDATE campaign_daily_totals SET impressions = 0 WHERE campaign_id = 'x'",
        'DELETE FROM aggregate_delta',
        'ALTER FUNCTION adx_apply_aggregate_deltas() OWNER TO CURRENT_USER',
        'DROP VIEW audit_batch',
        'CREATE INDEX ON fact_click (campaign_id)',
      ],
    );
    expect(await attempt(loader, 'SET ROLE adx_analyst')).toMatch(/permission denied to set role/);
  });

  it('the analyst cannot read user ids or lineage internals, nor write anything', async () => {
    await expectAnswers(
      as('analyst'),
      ['SELECT campaign_id, cost_micros FROM fact_impression', 'SELECT * FROM mv_campaign_daily'],
      [
        'SELECT user_id FROM fact_impression',
        'SELECT user_id FROM fact_attribution',
        'SELECT * FROM fact_click',
        'SELECT * FROM lineage_step',
        'SELECT * FROM lineage_stopped_record',
        'SELECT * FROM audit_batch',
        'SELECT * FROM load_ledger',
        'SELECT * FROM partition_changelog',
        'SELECT * FROM partition_snapshot_chunk',
        'SELECT * FROM partition_lease',
        'SELECT * FROM batch_intent',
        "INSERT INTO dim_campaign (campaign_id, first_batch_id) VALUES ('x', 'x')",
        "DELETE FROM fact_click WHERE event_id = 'x'",
        'SELECT adx_apply_aggregate_deltas()',
        "INSERT INTO aggregate_delta (batch_id, campaign_id, hour_start_ms, date_key, impressions, clicks, conversions, spend_micros, revenue_micros, bid_requests, bids_won) VALUES ('x', 'x', 0, 20261201, 1, 0, 0, 0, 0, 0, 0)",
      ],
    );
  });

  it('the auditor reads lineage but never writes, and never sees user ids', async () => {
    await expectAnswers(
      as('auditor'),
      [
        'SELECT * FROM lineage_step',
        'SELECT * FROM audit_conservation',
        // who owns which partition, at which epoch: operational, no user in it
        'SELECT * FROM partition_lease',
      ],
      [
        "DELETE FROM lineage_step WHERE batch_id = 'x'",
        "UPDATE load_ledger SET rows = 0 WHERE batch_id = 'x'",
        'INSERT INTO lineage_stopped_record SELECT * FROM lineage_stopped_record LIMIT 0',
        "DELETE FROM fact_click WHERE event_id = 'x'",
        'TRUNCATE lineage_step',
        'SELECT user_id FROM fact_click',
        // the state itself holds pseudonymized user ids
        'SELECT * FROM partition_changelog',
        'SELECT * FROM partition_snapshot_chunk',
        'UPDATE partition_lease SET epoch = 0 WHERE partition = 0',
      ],
    );
  });
});
