import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adx, ROOT, STACK_LINE } from './support/adx';

/**
 * `adx rebuild` over the PGlite database a `serve` wrote: every group rebuilt from its changelog
 * equals its live state (snapshot plus later entries); after a changelog row or a snapshot chunk
 * is damaged by hand, the group differs (exit 1) and the output says how.
 */
let scratch: string;
let env: Record<string, string>;

/** SQL on the PGlite directory, in a process of its own (as another tool would). */
function sql(dir: string, statement: string): string {
  const run = spawnSync(
    process.execPath,
    [
      '-e',
      `const { openPgliteKnex } = require('./dist/adapters/warehouse/pglite-knex');
       openPgliteKnex({ dataDir: process.argv[1] }).then(async (knex) => {
         const r = await knex.raw(process.argv[2]);
         process.stdout.write(JSON.stringify(r.rows ?? []));
         await knex.destroy();
       });`,
      dir,
      statement,
    ],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`sql failed: ${run.stderr}`);
  return run.stdout;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'adx-rebuild-'));
  // small units and a snapshot every third, so every group has a snapshot and entries after it
  env = {
    ADX_SIM_USERS: '2000',
    ADX_BATCH_SIZE: '200',
    ADX_SNAPSHOT_EVERY: '3',
    ADX_PGLITE_DIR: join(scratch, 'db'),
  };
  const served = await adx(['serve', '--events', '10000', '--seed', '4'], env);
  expect(served.code).toBe(0);
}, 300_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Check {
  partition: number;
  entries: number;
  events: number;
  snapshotSequence?: number;
  changes: number;
  equal: boolean;
  differences: string[];
}

describe('adx rebuild', () => {
  it('every group rebuilt from its changelog equals its live state: exit 0', async () => {
    const r = await adx(['rebuild', '--all'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const p of [0, 1, 2])
      expect(r.stdout).toMatch(
        new RegExp(
          `^partition ${p}: equal  replayed \\d+ entries 1-\\d+ \\(\\d+ events\\); live: snapshot at \\d+ \\+ \\d+ entries$`,
          'm',
        ),
      );
    expect(r.stdout).toMatch(/^3 partition group\(s\): rebuilt state equals the live state$/m);

    const json = await adx(['rebuild', '--partition', '1', '--json'], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as { equal: boolean; partitions: Check[] };
    expect(report.equal).toBe(true);
    expect(report.partitions.map((c) => c.partition)).toEqual([1]);
    const [check] = report.partitions;
    expect(check?.events).toBeGreaterThan(check?.entries ?? 0);
    expect(check?.snapshotSequence).toBeGreaterThan(0);
  }, 180_000);

  it('a group with nothing stored is a "no" (exit 1); bad options are usage errors (exit 2)', async () => {
    const missing = await adx(['rebuild', '--partition', '99'], env);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('partition 99: no state stored (no snapshot, no changelog)\n');
    for (const args of [
      ['rebuild', '--partition', 'x'],
      ['rebuild', '--partition', '-1'],
      ['rebuild', '--partition', '1', '--all'],
    ]) {
      const r = await adx(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('adx rebuild');
      expect(r.stderr).not.toMatch(STACK_LINE);
      expect(r.stdout).toBe('');
    }
  }, 180_000);

  it('a deleted changelog row or a lost snapshot chunk makes its group differ: exit 1', async () => {
    const dir = env.ADX_PGLITE_DIR as string;
    // a row the snapshot covers: the live state still has its events, the rebuilt one does not
    const [row] = JSON.parse(
      sql(
        dir,
        'DELETE FROM partition_changelog WHERE partition = 0 AND sequence = ' +
          '(SELECT sequence - 1 FROM partition_snapshot WHERE partition = 0) RETURNING sequence::int',
      ),
    ) as { sequence: number }[];
    expect(row?.sequence).toBeGreaterThan(1);
    // the snapshot's first chunk holds the clock: without it the live state starts from nothing
    sql(dir, 'DELETE FROM partition_snapshot_chunk WHERE partition = 2 AND chunk = 0');

    const r = await adx(['rebuild'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const seq = row?.sequence ?? 0;
    expect(r.stdout).toContain(`partition 0: DIFFERS`);
    expect(r.stdout).toContain(
      `  changelog entry ${seq} missing (between ${seq - 1} and ${seq + 1})`,
    );
    expect(r.stdout).toMatch(/^ {2}dedupe keys: live \d+, rebuilt \d+ \(\d+ only live, e\.g\. /m);
    expect(r.stdout).toMatch(/^partition 1: equal /m);
    expect(r.stdout).toContain('partition 2: DIFFERS');
    expect(r.stdout).toMatch(/^ {2}watermark: live none, rebuilt \d{4}-\d\d-\d\dT/m);
    expect(r.stdout).toMatch(/^3 partition group\(s\): 2 DIFFER from the live state$/m);

    const json = await adx(['rebuild', '--json'], env);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { equal: boolean; partitions: Check[] };
    expect(report.equal).toBe(false);
    expect(report.partitions.map((c) => c.equal)).toEqual([false, true, false]);
  }, 180_000);
});
