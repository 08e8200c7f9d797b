/** The built `adx` on the stack's Postgres: a database never migrated, one that does not exist. */
import buildDist from '../cli/support/build-dist';
import { adx, STACK_LINE } from '../cli/support/adx';
import {
  createTestDatabase,
  databaseUrl,
  uniqueIdentifier,
  type TestDatabase,
} from '../support/postgres';

let database: TestDatabase;
beforeAll(async () => {
  buildDist();
  database = await createTestDatabase('cli');
});
afterAll(() => database?.drop());

const REPORT = ['report', '--from', '2026-11-01', '--to', '2026-12-01'];

it('read commands refuse a database never migrated, naming DATABASE_URL and the fix', async () => {
  for (const args of [['audit', 'conservation'], REPORT, ['lineage', 'trace', 'clk-1']]) {
    const r = await adx(args, { DATABASE_URL: database.url });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`DATABASE_URL (`);
    expect(r.stderr).toContain('the warehouse was never migrated');
    expect(r.stderr).toContain('Run `adx migrate up` with the same variables first');
    expect(r.stderr).not.toMatch(/relation .* does not exist/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  }
});

it('migrate status reads without creating anything; migrate up, then the reads answer', async () => {
  const env = { DATABASE_URL: database.url };
  const status = await adx(['migrate', 'status', '--json'], env);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ applied: [] });
  // status wrote nothing: the database is still "never migrated"
  expect((await adx(['audit', 'conservation'], env)).stderr).toContain('never migrated');
  const up = await adx(['migrate', 'up'], env);
  expect(up.code).toBe(0);
  const audit = await adx(['audit', 'conservation'], env);
  expect(audit.code).toBe(0);
  expect(audit.stdout).toMatch(/^0 batches, 0 topic-partitions: conserved$/m);
  const report = await adx([...REPORT, '--json'], env);
  expect(report.code).toBe(0);
  expect(JSON.parse(report.stdout)).toMatchObject({ campaigns: [], views: null });
  const text = await adx(REPORT, env);
  expect(text.stdout).toMatch(/\n\nviews never refreshed\n$/);
});

it('a database that does not exist is named, with how to create it', async () => {
  const name = uniqueIdentifier('adx_test_cli_absent');
  const r = await adx(REPORT, { DATABASE_URL: databaseUrl(name) });
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`/${name}): that database does not exist`);
  expect(r.stderr).toContain('createdb');
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stdout).toBe('');
});
