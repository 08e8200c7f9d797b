import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';

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
  }, 120_000);

  const quiet = { ADX_HTTP_PORT: '0', ADX_SIM_USERS: '2000' };

  it('serve --events N processes N records, prints the report and exits 0', async () => {
    const r = await run(['serve', '--events', '20000', '--seed', '3'], quiet);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^campaign\s+impressions\s+clicks\s+conversions/m);
    expect(r.stdout).toMatch(/^TOTAL\s+\d+/m);
    expect(r.stderr).toMatch(/done received=20000 /);
  }, 60_000);

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
    60_000,
  );

  it('fails fast on bad configuration, naming the variable', async () => {
    const r = await run(['serve', '--events', '10'], {
      ...quiet,
      ADX_BATCH_SIZE: 'lots',
      ADX_ALLOWED_LATENESS: 'soon',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ADX_BATCH_SIZE');
    expect(r.stderr).toContain('ADX_ALLOWED_LATENESS');
  }, 30_000);

  it('refuses the real profile without its required settings', async () => {
    const r = await run(['serve'], { ...quiet, ADX_PROFILE: 'real' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KAFKA_BROKERS');
    expect(r.stderr).toContain('SCHEMA_REGISTRY_URL');
    expect(r.stderr).toContain('ADX_PSEUDONYMIZATION_KEY');
  }, 30_000);
});
