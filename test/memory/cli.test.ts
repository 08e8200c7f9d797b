import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEAVY_TEST_MS } from '../support/timeouts';

/** The built `adx` binary as a user runs it: exit codes, signals, report on stdout. */
const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'src', 'cli', 'main.js');

function run(
  args: string[],
  env: Record<string, string>,
  onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('adx CLI', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }, HEAVY_TEST_MS);

  const quiet = { ADX_HTTP_PORT: '0', ADX_SIM_USERS: '2000' };

  it(
    'serve --events N processes N records, prints the report and exits 0',
    async () => {
      const r = await run(['serve', '--events', '20000', '--seed', '3'], quiet);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^campaign\s+impressions\s+clicks\s+conversions/m);
      expect(r.stdout).toMatch(/^TOTAL\s+\d+/m);
      expect(r.stderr).toMatch(/done received=20000 /);
    },
    HEAVY_TEST_MS,
  );

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s drains, prints the report and exits 0',
    async (signal) => {
      let sent = false;
      const r = await run(
        ['serve', '--rate', '5000'],
        { ...quiet, ADX_PROGRESS_INTERVAL: '500ms' },
        (err, kill) => {
          if (!sent && /progress eventsPerSec=\d+ received=[1-9]/.test(err)) {
            sent = true;
            kill(signal);
          }
        },
      );
      expect(sent).toBe(true);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('stopping: finishing the batch in flight');
      expect(r.stdout).toMatch(/^TOTAL\s+\d+/m);
    },
    HEAVY_TEST_MS,
  );

  it(
    'fails fast on bad configuration, naming the variable',
    async () => {
      const r = await run(['serve', '--events', '10'], {
        ...quiet,
        ADX_BATCH_SIZE: 'lots',
        ADX_ALLOWED_LATENESS: 'soon',
      });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('ADX_BATCH_SIZE');
      expect(r.stderr).toContain('ADX_ALLOWED_LATENESS');
    },
    HEAVY_TEST_MS,
  );

  it(
    'refuses the real profile without its required settings',
    async () => {
      const r = await run(['serve'], { ...quiet, ADX_PROFILE: 'real' });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('KAFKA_BROKERS');
      expect(r.stderr).toContain('SCHEMA_REGISTRY_URL');
      expect(r.stderr).toContain('ADX_PSEUDONYMIZATION_KEY');
    },
    HEAVY_TEST_MS,
  );

  it(
    'report reads back, from a PGlite directory, what serve loaded into it',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'adx-pglite-'));
      try {
        const env = { ...quiet, ADX_WAREHOUSE: 'pglite', ADX_PGLITE_DIR: dir };
        const served = await run(['serve', '--events', '10000', '--seed', '4'], env);
        expect(served.code).toBe(0);
        const total = /^TOTAL\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(served.stdout);
        const day = 86_400_000;
        const from = new Date(Date.now() - 3 * day).toISOString().slice(0, 10);
        const to = new Date(Date.now() + day).toISOString().slice(0, 10);
        const report = await run(['report', '--from', from, '--to', to, '--json'], env);
        expect(report.code).toBe(0);
        const parsed = JSON.parse(report.stdout) as {
          campaigns: {
            impressions: number;
            clicks: number;
            conversions: number;
            ctr: number | null;
          }[];
        };
        const sum = (k: 'impressions' | 'clicks' | 'conversions') =>
          parsed.campaigns.reduce((n, c) => n + c[k], 0);
        expect([sum('impressions'), sum('clicks'), sum('conversions')].map(String)).toEqual([
          total?.[1],
          total?.[2],
          total?.[3],
        ]);
        expect(parsed.campaigns.every((c) => c.ctr === null || (c.ctr >= 0 && c.ctr <= 1))).toBe(
          true,
        );
        const one = await run(['report', '--from', from, '--to', to, '--campaign', 'cmp-001'], env);
        expect(one.stdout.split('\n').filter((l) => /^cmp-/.test(l))).toHaveLength(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    HEAVY_TEST_MS,
  );
});
