/**
 * bench:state — the decider state of one co-partitioned group (dedupe index + attribution touches)
 * with 10^5, 10^6 and 10^7 tracked keys. Each size runs in a fresh child process, so one size's
 * heap cannot flatter or burden the next:
 *   1. fill: N impressions, event time stepping retention/N, so all N keys are inside the dedupe
 *      retention when the fill ends (the state a group reaches after a week at that rate);
 *   2. measure: BENCH_STATE_ROUNDS (default 3) rounds of BENCH_STATE_EVENTS (default 1,000,000)
 *      further impressions at the same step, so keys expire as fast as new ones arrive and the
 *      size stays N: steady-state events/s, the fastest round's;
 *   3. memory after gc against the child's baseline before the fill: RSS delta and
 *      heap + arrayBuffers delta, per key;
 *   4. one snapshot of the group (chunks encoded as the state store writes them) and a restore
 *      from it, CPU seconds each: what a commit that takes a snapshot, and a takeover, add.
 * BENCH_STATE_SIZES (comma separated) overrides the sizes; the child gets --max-old-space-size
 * from BENCH_STATE_HEAP_MB (default 4096). BENCH_STATE_PROFILE=<dir> writes a CPU profile of each
 * size's measured phase alone (`state-<keys>.cpuprofile`; `node --cpu-prof` would be mostly the
 * fill): read it with `npm run bench:profile-summary -- <dir>`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import {
  decidePartition,
  evolvePartition,
  newPartitionState,
  pipelineRules,
  type AdEvent,
  type PartitionState,
} from '../domain';
import { decodeSnapshotChunk, encodeSnapshotChunk } from '../adapters/codecs/partition-state-avro';
import { snapshotChunks, snapshotEntries } from '../domain/partition-snapshot';
import { restoreFromSnapshot } from '../domain/rebuild-partition';
import { indexBytes } from '../domain/event-key-index';
import { touchIndexBytes } from '../domain/touch-index';

interface SizeResult {
  readonly keys: number;
  readonly tracked: number;
  /** the fastest of the rounds (BENCH_STATE_ROUNDS, default 3), by wall clock and by CPU time */
  readonly eventsPerSec: number;
  readonly cpuEventsPerSec: number;
  /** every round's wall-clock rate, in order */
  readonly roundsEventsPerSec: readonly number[];
  readonly rssMB: number;
  readonly heapMB: number;
  readonly rssBytesPerKey: number;
  readonly heapBytesPerKey: number;
  /** the dedupe index's typed arrays alone, per key */
  readonly indexBytesPerKey: number;
  /** the touch indexes' (impressions and clicks) typed arrays alone, per key */
  readonly touchBytesPerKey: number;
  /** touches held at the end (impressions within the longest window) */
  readonly touches: number;
  readonly fillSeconds: number;
  /** one snapshot of the group at this size: what a commit that takes one adds */
  readonly snapshot: SnapshotCost;
}

interface SnapshotCost {
  readonly chunks: number;
  readonly entries: number;
  readonly bytes: number;
  /** cutting the state into chunks and encoding them (what the state store then writes) */
  readonly takeCpuSeconds: number;
  /** decoding the chunks and restoring the group from them (what an owner taking over does) */
  readonly restoreCpuSeconds: number;
  readonly takeMicrosPerEntry: number;
}

const T0 = Date.UTC(2026, 0, 1);
const USERS = 200_000;
const CAMPAIGNS = 12;

function gcNow(): void {
  if (!global.gc) throw new Error('run with --expose-gc');
  global.gc();
  global.gc();
}

function memory(): { rss: number; heap: number } {
  gcNow();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.arrayBuffers };
}

/** one pseudonym per user, shaped like the HMAC pseudonymizer's (key id + 64 hex digits) */
const pseudonyms = Array.from(
  { length: USERS },
  (_, u) => `k1.${(u * 2654435761).toString(16).padStart(64, '0')}`,
);

/**
 * An impression as the validator hands it to the decider: ids shaped like the simulator's
 * (`imp-<seed>-<counter>`), the user already pseudonymized.
 */
function impression(i: number, time: number): AdEvent {
  return {
    eventId: `imp-42-${i + 1}`,
    eventType: 'impression',
    eventTime: time,
    userId: pseudonyms[(i * 7919) % USERS] as string,
    campaignId: `cmp-${String((i % CAMPAIGNS) + 1).padStart(3, '0')}`,
    costMicros: 2500,
    source: { topic: 'impressions', partition: 0, offset: String(i), format: 'json' },
  };
}

function observe(state: PartitionState, event: AdEvent, rules: ReturnType<typeof pipelineRules>) {
  for (const decided of decidePartition({ type: 'ObserveEvent', event }, state, rules))
    evolvePartition(state, decided, rules);
}

/**
 * Profiles what `run` does when BENCH_STATE_PROFILE names a directory (an in-process inspector
 * session answers synchronously, so the measured loop stays synchronous).
 */
function profiled(keys: number, run: () => void): void {
  const dir = process.env.BENCH_STATE_PROFILE;
  if (!dir) return run();
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  run();
  session.post('Profiler.stop', (error, result) => {
    if (error) throw error;
    writeFileSync(join(dir, `state-${keys}.cpuprofile`), JSON.stringify(result.profile));
  });
  session.disconnect();
}

const cpuSecondsOf = (run: () => void): number => {
  const before = process.cpuUsage();
  run();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
};

/** A snapshot of the group as a commit takes one, then a restore from it as a takeover does. */
function snapshotCost(
  state: PartitionState,
  rules: ReturnType<typeof pipelineRules>,
): SnapshotCost {
  const bodies: Buffer[] = [];
  const entries = snapshotEntries(state);
  const takeCpuSeconds = cpuSecondsOf(() => {
    for (const chunk of snapshotChunks(state)) bodies.push(encodeSnapshotChunk(chunk));
  });
  let restored: PartitionState | undefined;
  const restoreCpuSeconds = cpuSecondsOf(() => {
    const chunks = bodies.map((body) => decodeSnapshotChunk(body));
    restored = restoreFromSnapshot(
      0,
      ['impressions'],
      { sequence: 1, chunks },
      { entries: [] },
      rules,
    );
  });
  if (!restored || snapshotEntries(restored) !== entries)
    throw new Error('the restored group does not hold what the snapshot was taken of');
  return {
    chunks: bodies.length,
    entries,
    bytes: bodies.reduce((n, body) => n + body.length, 0),
    takeCpuSeconds: Number(takeCpuSeconds.toFixed(2)),
    restoreCpuSeconds: Number(restoreCpuSeconds.toFixed(2)),
    takeMicrosPerEntry: Number(((takeCpuSeconds * 1e6) / Math.max(1, entries)).toFixed(2)),
  };
}

function child(keys: number): SizeResult {
  const measureEvents = Number(process.env.BENCH_STATE_EVENTS ?? 1_000_000);
  // one input, so the group's watermark follows it (the other topics would hold it back)
  const rules = pipelineRules();
  const step = rules.dedupeRetentionMs / keys;
  const base = memory();
  const state = newPartitionState(0, ['impressions']);
  const fillStart = performance.now();
  let i = 0;
  for (; i < keys; i++) observe(state, impression(i, Math.floor(T0 + i * step)), rules);
  const fillSeconds = (performance.now() - fillStart) / 1000;
  gcNow();
  // best of several rounds at the same size: another process on the machine only ever slows a
  // round down, so the fastest round is the closest to what the state itself costs
  const rounds = Math.max(1, Number(process.env.BENCH_STATE_ROUNDS ?? 3));
  const wallRates: number[] = [];
  const cpuRates: number[] = [];
  profiled(keys, () => {
    for (let round = 0; round < rounds; round++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (const end = i + measureEvents; i < end; i++)
        observe(state, impression(i, Math.floor(T0 + i * step)), rules);
      const cpu = process.cpuUsage(cpu0);
      wallRates.push(Math.round(measureEvents / ((performance.now() - t0) / 1000)));
      cpuRates.push(Math.round(measureEvents / ((cpu.user + cpu.system) / 1e6)));
    }
  });
  const after = memory();
  const tracked = state.dedupe.size;
  return {
    keys,
    tracked,
    eventsPerSec: Math.max(...wallRates),
    cpuEventsPerSec: Math.max(...cpuRates),
    roundsEventsPerSec: wallRates,
    rssMB: Math.round(after.rss / 2 ** 20),
    heapMB: Math.round(after.heap / 2 ** 20),
    rssBytesPerKey: Math.round((after.rss - base.rss) / tracked),
    heapBytesPerKey: Math.round((after.heap - base.heap) / tracked),
    indexBytesPerKey: Math.round(indexBytes(state.dedupe) / tracked),
    touchBytesPerKey: Math.round(
      (touchIndexBytes(state.attribution.impressions) + touchIndexBytes(state.attribution.clicks)) /
        tracked,
    ),
    touches: state.attribution.impressions.count + state.attribution.clicks.count,
    fillSeconds: Number(fillSeconds.toFixed(1)),
    snapshot: snapshotCost(state, rules),
  };
}

function parent(): void {
  const sizes = (process.env.BENCH_STATE_SIZES ?? '100000,1000000,10000000').split(',').map(Number);
  const heapMB = Number(process.env.BENCH_STATE_HEAP_MB ?? 4096);
  const results: SizeResult[] = [];
  for (const keys of sizes) {
    const out = execFileSync(
      process.execPath,
      [`--max-old-space-size=${heapMB}`, '--expose-gc', __filename, String(keys)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
    );
    const result = JSON.parse(out.trim().split('\n').pop() as string) as SizeResult;
    results.push(result);
    process.stderr.write(`bench:state ${JSON.stringify(result)}\n`);
  }
  const cols = [
    'keys',
    'events/s',
    'cpu ev/s',
    'RSS MB',
    'heap MB',
    'B/key RSS',
    'B/key heap',
    'B/key dedupe',
    'B/key touches',
    'snapshot MB',
    'take s',
    'take µs/entry',
    'restore s',
  ];
  const rows = results.map((r) => [
    r.tracked.toLocaleString('en-US'),
    r.eventsPerSec.toLocaleString('en-US'),
    r.cpuEventsPerSec.toLocaleString('en-US'),
    String(r.rssMB),
    String(r.heapMB),
    String(r.rssBytesPerKey),
    String(r.heapBytesPerKey),
    String(r.indexBytesPerKey),
    String(r.touchBytesPerKey),
    (r.snapshot.bytes / 2 ** 20).toFixed(1),
    String(r.snapshot.takeCpuSeconds),
    String(r.snapshot.takeMicrosPerEntry),
    String(r.snapshot.restoreCpuSeconds),
  ]);
  const widths = cols.map((c, k) =>
    Math.max(c.length, ...rows.map((r) => (r[k] as string).length)),
  );
  const line = (cells: string[]) => cells.map((c, k) => c.padStart(widths[k] as number)).join('  ');
  const print = (s: string) => process.stdout.write(`${s}\n`);
  print(`heap limit per child: --max-old-space-size=${heapMB}`);
  print(line(cols));
  for (const r of rows) print(line(r));
  const first = results[0];
  const last = results[results.length - 1];
  if (first && last && first !== last) {
    const ratio = last.eventsPerSec / first.eventsPerSec;
    const cpuRatio = last.cpuEventsPerSec / first.cpuEventsPerSec;
    print(
      `throughput at ${last.tracked.toExponential(0)} keys is ${(ratio * 100).toFixed(0)}% of ` +
        `${first.tracked.toExponential(0)} (CPU-time rate ${(cpuRatio * 100).toFixed(0)}%): ` +
        `${ratio >= 0.8 ? 'within' : 'NOT within'} 20%`,
    );
  }
  if (last)
    print(
      `bytes/key at ${last.tracked.toLocaleString('en-US')} keys: ${last.rssBytesPerKey} (RSS), ` +
        `${last.heapBytesPerKey} (heap + array buffers; the dedupe index's arrays alone ` +
        `${last.indexBytesPerKey}, the touch index's ${last.touchBytesPerKey} for ` +
        `${last.touches.toLocaleString('en-US')} touches): ${Math.max(last.rssBytesPerKey, last.heapBytesPerKey) <= 100 ? '' : 'NOT '}` +
        `<= 100 B`,
    );
}

const arg = process.argv[2];
if (arg !== undefined) process.stdout.write(`${JSON.stringify(child(Number(arg)))}\n`);
else parent();
