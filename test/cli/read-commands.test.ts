import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adx, ROOT, STACK_LINE } from './support/adx';

/**
 * report, lineage, audit and rebuild as a user runs them: they read the warehouse a `serve` wrote, and
 * refuse one that is missing, unreachable or not migrated (exit 2, naming the variable and the
 * fix), without ever creating one.
 */
const DAY = 86_400_000;
const from = new Date(Date.now() - 3 * DAY).toISOString().slice(0, 10);
const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);
const REPORT = ['report', '--from', from, '--to', to];

/** Each read command, with arguments that are fine: only the warehouse is wrong. */
const READ_COMMANDS: [string, string[]][] = [
  ['report', REPORT],
  ['lineage batch', ['lineage', 'batch', 'clicks-0-0-9']],
  ['lineage trace', ['lineage', 'trace', 'clk-1']],
  ['lineage trace --source', ['lineage', 'trace', '--source', 'clicks/0/1']],
  ['lineage dataset', ['lineage', 'dataset', 'fact_click']],
  ['audit conservation', ['audit', 'conservation']],
  ['rebuild', ['rebuild']],
];

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'adx-read-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('over the PGlite directory a serve wrote', () => {
  let env: Record<string, string>;
  let served: { code: number | null; stdout: string };
  beforeAll(async () => {
    env = { ADX_SIM_USERS: '2000', ADX_PGLITE_DIR: join(scratch, 'served') };
    served = await adx(['serve', '--events', '10000', '--seed', '4'], env);
  }, 300_000);

  it('report reads back what serve loaded', async () => {
    expect(served.code).toBe(0);
    const total = /^TOTAL\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(served.stdout);
    const report = await adx([...REPORT, '--json'], env);
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.stdout) as {
      campaigns: { impressions: number; clicks: number; conversions: number; ctr: number | null }[];
    };
    const sum = (k: 'impressions' | 'clicks' | 'conversions') =>
      parsed.campaigns.reduce((n, c) => n + c[k], 0);
    expect([sum('impressions'), sum('clicks'), sum('conversions')].map(String)).toEqual([
      total?.[1],
      total?.[2],
      total?.[3],
    ]);
    expect(parsed.campaigns.every((c) => c.ctr === null || (c.ctr >= 0 && c.ctr <= 1))).toBe(true);
    const one = await adx([...REPORT, '--campaign', 'cmp-001'], env);
    expect(one.stdout.split('\n').filter((l) => /^cmp-/.test(l))).toHaveLength(1);
  }, 180_000);

  it('audit conservation passes: exit 0', async () => {
    const r = await adx(['audit', 'conservation'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ batches, \d+ topic-partitions: conserved$/m);
  }, 180_000);

  it('an answer of "no" exits 1, with the answer on stdout and nothing on stderr', async () => {
    const trace = await adx(['lineage', 'trace', 'no-such-event'], env);
    expect(trace.code).toBe(1);
    expect(trace.stdout).toContain('event no-such-event: not in any fact table');
    const batch = await adx(['lineage', 'batch', 'no-such-batch', '--json'], env);
    expect(batch.code).toBe(1);
    expect(JSON.parse(batch.stdout)).toMatchObject({ batchId: 'no-such-batch', ledger: null });
    const source = await adx(['lineage', 'trace', '--source', 'clicks/0@999999'], env);
    expect(source.code).toBe(1);
    expect(source.stdout).toContain('record clicks/0@999999: not in any committed batch');
    for (const r of [trace, batch, source]) expect(r.stderr).toBe('');
  }, 180_000);

  it('lineage dataset answers with --json', async () => {
    const r = await adx(['lineage', 'dataset', 'fact_click', '--json'], env);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { table: string; feeds: { rows: number }[] };
    expect(parsed.table).toBe('fact_click');
    expect(parsed.feeds.reduce((n, f) => n + f.rows, 0)).toBeGreaterThan(0);
  }, 180_000);

  it('migrate status lists every migration as applied', async () => {
    const r = await adx(['migrate', 'status', '--json'], env);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { applied: string[]; pending: string[] };
    expect(parsed.pending).toEqual([]);
    expect(parsed.applied).toContain('001_roles');
  }, 180_000);
});

function expectRefusal(
  r: { code: number | null; stdout: string; stderr: string },
  ...texts: string[]
): void {
  expect(r.code).toBe(2);
  for (const text of texts) expect(r.stderr).toContain(text);
  expect(r.stderr).not.toMatch(STACK_LINE);
  expect(r.stderr).not.toMatch(/ENOENT|relation .* does not exist/);
  expect(r.stdout).toBe('');
}

describe('read commands refuse a warehouse that is not there, and never create one', () => {
  it.each(READ_COMMANDS)('%s with neither DATABASE_URL nor ADX_PGLITE_DIR', async (_n, args) => {
    const r = await adx(args);
    expectRefusal(r, 'no warehouse to read: set DATABASE_URL (Postgres) or ADX_PGLITE_DIR');
  });

  it.each(READ_COMMANDS)('%s with a mistyped ADX_PGLITE_DIR', async (_n, args) => {
    const dir = join(scratch, 'mistyped');
    const r = await adx(args, { ADX_PGLITE_DIR: dir });
    expectRefusal(
      r,
      `ADX_PGLITE_DIR=${dir}: no such directory (a mistyped path?)`,
      'adx migrate up',
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('a missing parent directory is named, not a raw ENOENT', async () => {
    const dir = join(scratch, 'no-parent', 'db');
    const r = await adx(REPORT, { ADX_PGLITE_DIR: dir });
    expectRefusal(r, `no such directory, nor its parent ${join(scratch, 'no-parent')}`);
    expect(existsSync(join(scratch, 'no-parent'))).toBe(false);
  });

  it('an empty directory stays empty', async () => {
    const dir = join(scratch, 'empty');
    mkdirSync(dir);
    const r = await adx(['audit', 'conservation'], { ADX_PGLITE_DIR: dir });
    expectRefusal(r, `ADX_PGLITE_DIR=${dir}: an empty directory`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a directory of other files is not taken for a database', async () => {
    const dir = join(scratch, 'other');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'not a database');
    const r = await adx(['lineage', 'trace', 'clk-1'], { ADX_PGLITE_DIR: dir });
    expectRefusal(r, 'holds other files but no PGlite database');
  });

  it.each(READ_COMMANDS)(
    '%s on a PGlite database never migrated',
    async (_n, args) => {
      const dir = join(scratch, 'unmigrated');
      if (!existsSync(dir)) {
        // a bare PGlite database, as another tool (or PGlite itself) would leave it
        const made = spawnSync(
          process.execPath,
          [
            '-e',
            `const { PGlite } = require('@electric-sql/pglite');
           const db = new PGlite(process.argv[1]);
           db.waitReady.then(() => db.close());`,
            dir,
          ],
          { cwd: ROOT, encoding: 'utf8' },
        );
        expect(made.status).toBe(0);
      }
      const r = await adx(args, { ADX_PGLITE_DIR: dir });
      expectRefusal(
        r,
        `ADX_PGLITE_DIR=${dir}: the warehouse was never migrated`,
        'Run `adx migrate up` with the same variables first',
      );
    },
    60_000,
  );

  it('migrate up creates the database; then the read commands answer', async () => {
    const dir = join(scratch, 'new', 'db');
    const env = { ADX_PGLITE_DIR: dir };
    const status = await adx(['migrate', 'status'], env);
    expectRefusal(status, 'no such directory');
    const up = await adx(['migrate', 'up'], env);
    expect(up.code).toBe(0);
    expect(up.stdout).toContain('applied 001_roles');
    const audit = await adx(['audit', 'conservation'], env);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/^0 batches, 0 topic-partitions: conserved$/m);
    const down = await adx(['migrate', 'down', '--all'], env);
    expect(down.code).toBe(0);
    const report = await adx(REPORT, env);
    expectRefusal(report, 'the warehouse lacks migrations 001_roles');
  }, 180_000);

  it('an unreachable Postgres is named by DATABASE_URL, without the password', async () => {
    const r = await adx(['audit', 'conservation'], {
      DATABASE_URL: 'postgresql://auditor:s3cret@127.0.0.1:1/warehouse',
    });
    expectRefusal(r, 'DATABASE_URL (127.0.0.1:1/warehouse): cannot connect (ECONNREFUSED)');
    expect(r.stderr).not.toContain('s3cret');
  });

  it('a damaged PGlite database is a failure (exit 3) named by ADX_PGLITE_DIR, stack only on request', async () => {
    const dir = join(scratch, 'damaged');
    mkdirSync(dir);
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    const r = await adx(REPORT, { ADX_PGLITE_DIR: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`adx report: ADX_PGLITE_DIR=${dir}: PGlite could not open it`);
    expect(r.stderr).toContain('(ADX_DEBUG=1 shows the stack trace)');
    expect(r.stderr).not.toMatch(STACK_LINE);
    const debug = await adx(REPORT, { ADX_PGLITE_DIR: dir, ADX_DEBUG: '1' });
    expect(debug.code).toBe(3);
    expect(debug.stderr).toMatch(STACK_LINE);
  }, 180_000);
});
