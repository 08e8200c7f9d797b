/**
 * bench:cli — how long each read command of the built `adx` takes, start to exit, over a PGlite
 * warehouse that a `serve --events 5000` fills first. One JSON line per command: median, min and
 * max wall time, the median CPU time of the child (user + system, from /proc: what the command
 * costs on an idle machine) and the load average, since a busy machine stretches wall time.
 *   BENCH_RUNS (default 10), BENCH_ADX (default: this build)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** BENCH_ADX: another build's main.js, to compare (e.g. a copy of main's dist/) */
const ADX = process.env.BENCH_ADX ?? join(__dirname, '..', 'src', 'cli', 'main.js');
const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ

/** CPU of the finished children of this process, in ms (utime + stime of waited-for children). */
function childrenCpuMs(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  // the command name (2nd field) is in parentheses and may hold spaces: count after it
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  const [cutime, cstime] = [Number(fields[13]), Number(fields[14])];
  return ((cutime + cstime) * 1000) / CLOCK_TICKS_PER_S;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function run(args: string[], env: NodeJS.ProcessEnv): { wallMs: number; cpuMs?: number } {
  const cpu = childrenCpuMs();
  const t = performance.now();
  const r = spawnSync(process.execPath, [ADX, ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wallMs = performance.now() - t;
  if (r.status !== 0 && r.status !== 1) throw new Error(`adx ${args.join(' ')}: ${r.stderr}`);
  const after = childrenCpuMs();
  return cpu === undefined || after === undefined ? { wallMs } : { wallMs, cpuMs: after - cpu };
}

function main(): void {
  const runs = Number(process.env.BENCH_RUNS ?? 10);
  const dir = mkdtempSync(join(tmpdir(), 'adx-bench-cli-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ADX_PGLITE_DIR: join(dir, 'db'),
    ADX_HTTP_PORT: '0',
  };
  for (const name of ['DATABASE_URL', 'ADX_WAREHOUSE', 'ADX_PROFILE']) delete env[name];
  try {
    run(['serve', '--events', '5000', '--seed', '1'], env);
    const day = new Date().toISOString().slice(0, 10);
    const commands = [
      ['--help'],
      ['report', '--from', '2000-01-01', '--to', `${Number(day.slice(0, 4)) + 1}-01-01`],
      ['lineage', 'trace', 'no-such-event'],
      ['lineage', 'dataset', 'fact_click'],
      ['audit', 'conservation'],
    ];
    for (const args of commands) {
      run(args, env); // warm the page cache
      const samples = Array.from({ length: runs }, () => run(args, env));
      const wall = samples.map((s) => s.wallMs);
      const cpu = samples.flatMap((s) => (s.cpuMs === undefined ? [] : [s.cpuMs]));
      process.stdout.write(
        `${JSON.stringify({
          command: `adx ${args.join(' ')}`,
          runs,
          medianMs: Math.round(median(wall)),
          minMs: Math.round(Math.min(...wall)),
          maxMs: Math.round(Math.max(...wall)),
          ...(cpu.length > 0 ? { medianCpuMs: Math.round(median(cpu)) } : {}),
          loadAverage1m: Number(loadavg()[0]?.toFixed(1)),
        })}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
