import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adx, STACK_LINE } from './support/adx';

/** `adx serve` as a user runs it: exit codes, signals, the report on stdout, checks before start. */
const quiet = { ADX_SIM_USERS: '2000' };

/** `attributions: 12 credited, 3 unattributed; 4 clicks and 1 conversion pending:` */
const NOTE =
  /^attributions: (\d+) credited, (\d+) unattributed; (?:none pending|(\d+) clicks? and (\d+) conversions? pending:)$/m;

describe('adx serve', () => {
  it('serve --events N processes N records, prints the report with its attributions and exits 0', async () => {
    const r = await adx(['serve', '--events', '20000', '--seed', '3'], quiet);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^campaign\s+impressions\s+clicks\s+conversions/m);
    expect(r.stdout).toMatch(/^TOTAL\s+\d+/m);
    expect(r.stderr).toMatch(/done received=20000 /);
    // the end of a bounded input releases every attribution; the report and the done line count them
    const note = NOTE.exec(r.stdout);
    expect(note?.[0]).toMatch(/none pending$/);
    const [credited, unattributed] = [Number(note?.[1]), Number(note?.[2])];
    expect(credited).toBeGreaterThan(0);
    const done =
      / done .*attributed=(\d+) unattributed=(\d+) pendingClicks=0 pendingConversions=0 /.exec(
        r.stderr,
      );
    expect([Number(done?.[1]), Number(done?.[2])]).toEqual([credited, unattributed]);
    // every click in the table was decided: credited or unattributed, none left waiting
    const total = /^TOTAL\s+\d+\s+(\d+)\s+(\d+)/m.exec(r.stdout);
    expect(credited + unattributed).toBe(Number(total?.[1]) + Number(total?.[2]));
  }, 180_000);

  it.each(['SIGINT', 'SIGTERM'] as const)(
    'on %s drains, prints the report and exits 0',
    async (signal) => {
      let sent = false;
      const r = await adx(
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
    180_000,
  );

  it('an interrupted run says how many clicks still wait for the watermark, and why', async () => {
    // paced traffic spans n / rate seconds of event time, far less than the 10 min lateness: the
    // watermark cannot have passed any click yet, so every click in the table is still waiting
    let sent = false;
    const r = await adx(
      ['serve', '--rate', '2000', '--seed', '5'],
      { ...quiet, ADX_PROGRESS_INTERVAL: '500ms' },
      (err, kill) => {
        const received = [...err.matchAll(/progress eventsPerSec=\d+ received=(\d+)/g)];
        if (!sent && Number(received.at(-1)?.[1] ?? 0) >= 16_000) {
          sent = true;
          kill('SIGINT');
        }
      },
    );
    expect(r.code).toBe(0);
    const total = /^TOTAL\s+\d+\s+(\d+)\s+(\d+)/m.exec(r.stdout);
    const [clicks, conversions] = [Number(total?.[1]), Number(total?.[2])];
    expect(clicks).toBeGreaterThan(0);
    const note = NOTE.exec(r.stdout);
    expect(note?.slice(1).map(Number)).toEqual([0, 0, clicks, conversions]);
    expect(r.stdout).toContain("each waits until its partition's event-time watermark");
    expect(r.stdout).toContain('minus ADX_ALLOWED_LATENESS=10m) passes its own event time');
    expect(r.stdout).toContain(
      'or once every topic has been quiet for ADX_IDLE_TIMEOUT, or a bounded',
    );
    expect(r.stderr).toMatch(
      new RegExp(` done .* pendingClicks=${clicks} pendingConversions=${conversions} `),
    );
  }, 180_000);

  it('keeps PGlite of a bounded run in a temporary directory, named in the log and removed at exit', async () => {
    const r = await adx(['serve', '--events', '3000', '--seed', '4'], quiet);
    expect(r.code).toBe(0);
    const dir = /warehouse=PGlite in (\S+) \(temporary, removed at exit\)/.exec(r.stderr)?.[1];
    expect(dir?.startsWith(join(tmpdir(), 'adx-embedded-'))).toBe(true);
    expect(existsSync(dir as string)).toBe(false);
    expect(r.stdout).toMatch(/^TOTAL\s+\d+/m);
  }, 180_000);

  it('--json prints the campaigns and the attributions as one JSON document', async () => {
    const r = await adx(['serve', '--events', '5000', '--seed', '2', '--json'], quiet);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as {
      campaigns: { campaignId: string; impressions: number }[];
      attributions: { attributed: number; unattributed: number; pending: object };
    };
    expect(parsed.campaigns.length).toBeGreaterThan(0);
    expect(parsed.campaigns.every((c) => c.impressions >= 0)).toBe(true);
    expect(parsed.attributions.pending).toEqual({ clicks: 0, conversions: 0 });
  }, 180_000);

  it('fails fast on bad configuration, naming the variable', async () => {
    const r = await adx(['serve', '--events', '10'], {
      ...quiet,
      ADX_BATCH_SIZE: 'lots',
      ADX_ALLOWED_LATENESS: 'soon',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ADX_BATCH_SIZE');
    expect(r.stderr).toContain('ADX_ALLOWED_LATENESS');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('refuses the real profile without its required settings', async () => {
    const r = await adx(['serve'], { ...quiet, ADX_PROFILE: 'real' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('KAFKA_BROKERS');
    expect(r.stderr).toContain('SCHEMA_REGISTRY_URL');
    expect(r.stderr).toContain('ADX_PSEUDONYMIZATION_KEY');
  });

  it('refuses simulator options in the real profile, before connecting to anything', async () => {
    const r = await adx(['serve', '--events', '10'], {
      ADX_PROFILE: 'real',
      KAFKA_BROKERS: '127.0.0.1:1',
      SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1',
      ADX_PSEUDONYMIZATION_KEY: '0123456789abcdef0123456789abcdef',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'adx serve: --events, --rate, --seed and --backlog drive the embedded simulator',
    );
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it.each([['0'], ['-5'], ['lots']])('--events %s is a usage error', async (events) => {
    const r = await adx(['serve', '--events', events]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`option '--events <n>' argument '${events}' is invalid`);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  describe('when ADX_HTTP_PORT is taken', () => {
    let holder: Server;
    let port: number;
    beforeAll(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    it('exits 2 naming ADX_HTTP_PORT, before any start-up work', async () => {
      const r = await adx(['serve', '--events', '1000'], { ADX_HTTP_PORT: String(port) });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `adx serve: ADX_HTTP_PORT=${port}: 127.0.0.1:${port} is already in use`,
      );
      // nothing was built: no log line of the service at all
      expect(r.stderr).not.toMatch(/ info {2}(serving|state restored|pseudonymizing)/);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toMatch(STACK_LINE);
    });
  });

  it('refuses a TMPDIR it cannot create the temporary warehouse in, naming both variables', async () => {
    const base = mkdtempSync(join(tmpdir(), 'adx-serve-'));
    try {
      const missing = join(base, 'gone');
      const r = await adx(['serve', '--events', '100'], { TMPDIR: missing });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `TMPDIR=${missing}: cannot create the embedded warehouse's temporary directory there (ENOENT)`,
      );
      expect(r.stderr).toContain('or ADX_PGLITE_DIR to keep the database in one');
      expect(r.stderr).not.toMatch(STACK_LINE);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('refuses an ADX_PGLITE_DIR whose parent does not exist, before start-up', async () => {
    const base = mkdtempSync(join(tmpdir(), 'adx-serve-'));
    try {
      const dir = join(base, 'no-such-parent', 'db');
      const r = await adx(['serve', '--events', '100'], { ADX_PGLITE_DIR: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`ADX_PGLITE_DIR=${dir}: no such directory, nor its parent`);
      expect(r.stderr).not.toMatch(/ENOENT|serving/);
      expect(r.stderr).not.toMatch(STACK_LINE);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
