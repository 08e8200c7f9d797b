/**
 * bench:embedded-soak — the embedded service (`npm start`: simulator → memory bus → pipeline →
 * PGlite, in a temporary directory as in any unbounded run, unless the environment says
 * otherwise) unbounded, in this process, for ADX_SOAK_MINUTES (default 30). Every
 * ADX_SOAK_SAMPLE (default 10s) it samples RSS, heap and events/s, and every minute PGlite's
 * memory and the mean aggregate-refresh time (heap snapshots and an allocation profile on
 * request: embedded-soak-diagnostics.ts). At the end it prints the samples, the least-squares
 * RSS slope after the first ADX_SOAK_WARMUP_MINUTES (default 5) in MB/min, the largest
 * deviation from the mean RSS after the warm-up in %, and whether that stays within ±15%. Every
 * other ADX_* variable applies as it does to `adx serve` (ADX_HTTP_PORT defaults to 0 here, so
 * it runs next to a serve).
 *
 * Decider state legitimately grows until event time has run through its windows (dedupe
 * retention 7 days, lookback 1 day, ...): with those, a 30-minute run measures state filling up,
 * not whether the process keeps what it should not. So by default the soak shortens every window
 * to ADX_SOAK_WINDOW (3m; lateness 30s) and, because state expires by whole hours of event
 * time, runs simulated event time ADX_SOAK_SPEEDUP (20) times faster than the clock at the
 * pipeline's expected pace (ADX_SOAK_EXPECTED_RATE, 2,000 records/s; it starts far enough in the
 * past to stay behind now even at the full ADX_SIM_RATE): state reaches its steady size in the
 * warm-up, and what is left to grow is a leak. ADX_SOAK_WINDOW=configured keeps the configured
 * windows and real-time event time (state then fills for as long as its windows).
 */
import { loadConfig } from '../src/config/config';
import { parseDuration } from '../src/config/duration';
import { serve } from '../src/cli/serve';
import type { PipelineService } from '../src/pipeline/pipeline-service';
import { TOKENS, type Metrics } from '../ports';
import { startDiagnostics } from './embedded-soak-diagnostics';
import {
  openPglites,
  pgliteMemoryReport,
  pgliteWasmBytes,
} from '../adapters/warehouse/pglite-probe';

interface Sample {
  readonly minute: number;
  readonly rssMB: number;
  readonly heapMB: number;
  /** the JS heap V8 has committed (used or not): what RSS follows */
  readonly heapTotalMB: number;
  /** V8's external memory (array buffers, WASM memories, compiled code) */
  readonly externalMB: number;
  readonly arrayBuffersMB: number;
  /** PGlite's WASM linear memory, when the warehouse is PGlite */
  readonly wasmMB: number;
  readonly eventsPerSec: number;
  readonly received: number;
  /** dedupe keys held over every group: the decider state's size */
  readonly keys: number;
}

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const MB = 2 ** 20;

/** once a minute, to stderr: what PGlite holds (its memory contexts, its largest relations) */
async function logWarehouse(minute: number): Promise<void> {
  for (const pglite of openPglites()) {
    const r = await pgliteMemoryReport(pglite);
    const relations = r.relations
      .map((t) => `${t.name}=${(t.bytes / MB).toFixed(0)}MB/${t.rows}`)
      .join(' ');
    process.stderr.write(
      `soak warehouse t=${minute.toFixed(2)}min wasm=${((r.wasmBytes ?? 0) / MB).toFixed(0)}MB ` +
        `contexts=${((r.contextBytes ?? 0) / MB).toFixed(1)}MB ` +
        `(${r.contexts.map((c) => `${c.name}=${(c.bytes / MB).toFixed(1)}`).join(' ')}) ${relations}\n`,
    );
  }
}

/** the refresh_aggregates stage's _count and _sum from the metrics text */
function refreshTotals(text: string): { count: number; seconds: number } {
  const value = (suffix: string): number =>
    Number(
      new RegExp(
        `^adx_batch_stage_duration_seconds_${suffix}\\{stage="refresh_aggregates"\\} (\\S+)$`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );
  return { count: value('count'), seconds: value('sum') };
}

/** least-squares slope of y over x */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const minutes = Number(process.env.ADX_SOAK_MINUTES ?? 30);
  const warmup = Number(process.env.ADX_SOAK_WARMUP_MINUTES ?? 5);
  const everyMs = parseDuration(process.env.ADX_SOAK_SAMPLE ?? '10s');
  if (everyMs === undefined || everyMs <= 0)
    throw new Error(`ADX_SOAK_SAMPLE=${process.env.ADX_SOAK_SAMPLE}: expected a duration like 10s`);
  const window = process.env.ADX_SOAK_WINDOW ?? '3m';
  const windows =
    window === 'configured'
      ? {}
      : {
          ADX_DEDUPE_RETENTION: window,
          ADX_CLICK_LOOKBACK: window,
          ADX_CONVERSION_WINDOW: window,
          ADX_VIEW_THROUGH_WINDOW: window,
          ADX_ALLOWED_LATENESS: '30s',
        };
  const config = loadConfig({
    ADX_HTTP_PORT: '0',
    ADX_PROGRESS_INTERVAL: '1m',
    ...process.env,
    ...windows,
  });
  const speedup = Number(process.env.ADX_SOAK_SPEEDUP ?? 20);
  const expectedRate = Number(process.env.ADX_SOAK_EXPECTED_RATE ?? 2000);
  const eventTime =
    window === 'configured'
      ? undefined
      : {
          stepMs: (1000 * speedup) / expectedRate,
          // as far back as event time can run at the simulator's full rate, so it never passes now
          startAgoMs: minutes * 60 * config.simulator.rate * ((1000 * speedup) / expectedRate),
        };
  const stop = new AbortController();
  const started = performance.now();
  const samples: Sample[] = [];
  let received = 0;
  let loggedMinute = -1;
  let service: PipelineService | undefined;
  let metrics: Metrics | undefined;
  const done = serve(
    config,
    {
      onStarted: (s, container) => {
        service = s;
        metrics = container.get<Metrics>(TOKENS.Metrics);
      },
      ...(eventTime ? { eventTime } : {}),
    },
    stop.signal,
  );
  // the aggregate refresh recomputes the views over every fact: its cost grows with the facts
  let refreshed = { count: 0, seconds: 0 };
  const logRefresh = async (minute: number): Promise<void> => {
    const now = refreshTotals((await metrics?.expose()) ?? '');
    const n = now.count - refreshed.count;
    process.stderr.write(
      `soak refresh t=${minute.toFixed(2)}min refreshes=${n} ` +
        `meanSeconds=${n > 0 ? ((now.seconds - refreshed.seconds) / n).toFixed(2) : '-'}\n`,
    );
    refreshed = now;
  };
  const stopDiagnostics = startDiagnostics();
  const timer = setInterval(() => {
    const now = service?.totals.received ?? 0;
    const m = process.memoryUsage();
    const wasm = openPglites().reduce((sum, p) => sum + (pgliteWasmBytes(p) ?? 0), 0);
    samples.push({
      minute: (performance.now() - started) / 60_000,
      rssMB: m.rss / MB,
      heapMB: m.heapUsed / MB,
      heapTotalMB: m.heapTotal / MB,
      externalMB: m.external / MB,
      arrayBuffersMB: m.arrayBuffers / MB,
      wasmMB: wasm / MB,
      eventsPerSec: ((now - received) * 1000) / everyMs,
      received: now,
      keys: [...(service?.state?.partitions.values() ?? [])].reduce((n, p) => n + p.dedupe.size, 0),
    });
    received = now;
    const last = samples[samples.length - 1] as Sample;
    process.stderr.write(
      `soak t=${last.minute.toFixed(2)}min rss=${last.rssMB.toFixed(0)}MB heap=${last.heapMB.toFixed(0)}/${last.heapTotalMB.toFixed(0)}MB ` +
        `external=${last.externalMB.toFixed(0)}MB arrayBuffers=${last.arrayBuffersMB.toFixed(0)}MB ` +
        `wasm=${last.wasmMB.toFixed(0)}MB events/s=${last.eventsPerSec.toFixed(0)} received=${now} keys=${last.keys}\n`,
    );
    if (Math.floor(last.minute) > loggedMinute) {
      loggedMinute = Math.floor(last.minute);
      void logWarehouse(last.minute);
      void logRefresh(last.minute);
    }
  }, everyMs);
  await new Promise((resolve) => setTimeout(resolve, minutes * 60_000));
  clearInterval(timer);
  stopDiagnostics();
  stop.abort();
  const result = await done;
  process.stderr.write(`${result.report}\n`);

  print(
    `embedded soak: ${minutes} min, sample every ${everyMs / 1000} s, warm-up ${warmup} min, ` +
      `windows ${window === 'configured' ? 'as configured' : `${window} (lateness 30s), event time ×${speedup} at ${expectedRate} records/s`}, ` +
      `warehouse ${config.warehouse.kind}${config.warehouse.pgliteDir ? ` in ${config.warehouse.pgliteDir}` : ''}`,
  );
  print(
    'minute   RSS MB  heap MB  external MB  arrayBuffers MB  WASM MB  events/s  received  dedupe keys',
  );
  for (const s of samples)
    print(
      `${s.minute.toFixed(2).padStart(6)}  ${s.rssMB.toFixed(0).padStart(7)}  ` +
        `${s.heapMB.toFixed(0).padStart(7)}  ${s.externalMB.toFixed(0).padStart(11)}  ` +
        `${s.arrayBuffersMB.toFixed(0).padStart(15)}  ${s.wasmMB.toFixed(0).padStart(7)}  ` +
        `${s.eventsPerSec.toFixed(0).padStart(8)}  ${String(s.received).padStart(8)}  ${String(s.keys).padStart(11)}`,
    );
  // per whole minute: what a reader compares minute to minute (10-second samples saw-tooth)
  print('minute  RSS MB mean (min-max)  heap total MB mean  WASM MB  events/s');
  for (let m = 0; m < Math.ceil(minutes); m++) {
    const inMinute = samples.filter((s) => s.minute >= m && s.minute < m + 1);
    if (inMinute.length === 0) continue;
    const mean = (f: (s: Sample) => number) =>
      inMinute.reduce((sum, s) => sum + f(s), 0) / inMinute.length;
    const rss = inMinute.map((s) => s.rssMB);
    print(
      `${String(m).padStart(6)}  ${mean((s) => s.rssMB)
        .toFixed(0)
        .padStart(6)} ` +
        `(${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)})`.padEnd(14) +
        `${mean((s) => s.heapTotalMB)
          .toFixed(0)
          .padStart(18)}  ${mean((s) => s.wasmMB)
          .toFixed(0)
          .padStart(7)}  ` +
        `${mean((s) => s.eventsPerSec)
          .toFixed(0)
          .padStart(8)}`,
    );
  }
  const steady = samples.filter((s) => s.minute >= warmup);
  if (steady.length < 2) {
    print(`fewer than two samples after minute ${warmup}: no slope`);
    return;
  }
  const mean = steady.reduce((sum, s) => sum + s.rssMB, 0) / steady.length;
  const deviation = Math.max(...steady.map((s) => Math.abs(s.rssMB - mean) / mean)) * 100;
  const rssSlope = slope(steady.map((s) => [s.minute, s.rssMB]));
  const rateSlope = slope(steady.map((s) => [s.minute, s.eventsPerSec]));
  const meanRate = steady.reduce((sum, s) => sum + s.eventsPerSec, 0) / steady.length;
  print(
    `after minute ${warmup}: mean RSS ${mean.toFixed(0)} MB, slope ${rssSlope.toFixed(2)} MB/min, ` +
      `max deviation ${deviation.toFixed(1)}%: ${deviation <= 15 ? 'within' : 'NOT within'} ±15%`,
  );
  print(
    `after minute ${warmup}: mean ${meanRate.toFixed(0)} events/s, slope ` +
      `${rateSlope.toFixed(1)} events/s per min`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
