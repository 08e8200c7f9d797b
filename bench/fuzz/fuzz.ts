/**
 * npm run fuzz — mutated records of every format through the real decode and processBatch.
 *   FUZZ_RECORDS (per format, default 1,000,000), FUZZ_SEED (default 1), FUZZ_BATCH (default 500),
 *   FUZZ_WATCHDOG_MS (default 30,000), FUZZ_FORMATS (default all: impression,click_or_conversion,bid_request)
 * Prints per format: records, accepted/rejected/duplicates, rejections by reason, and the four
 * numbers that must be 0: crashes, hangs (> 100 ms for one record, or a batch the watchdog had to
 * kill), records neither accepted nor rejected, rejections without a reason. Exit code 1 if any is
 * not. Each format runs in a worker thread, so a decoder stuck in a loop is found by a watchdog
 * (its batch is counted as hangs and the run goes on after it) instead of stopping the run.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { initialPipelineState, pipelineRules, type SourceKind } from '../../domain';
import {
  addTally,
  createFuzzTarget,
  emptyTally,
  fuzzBatch,
  HANG_MS,
  KINDS,
  type Tally,
} from './fuzz-target';

interface Job {
  readonly kind: SourceKind;
  readonly seed: number;
  readonly from: number;
  readonly to: number;
  readonly batch: number;
}
type Progress = { readonly next: number; readonly tally: Tally };

/** batches between fresh states: dedupe state of accepted mutants must not grow for ever */
const STATE_BATCHES = 40;

async function work(job: Job): Promise<void> {
  const target = await createFuzzTarget();
  let state = initialPipelineState(pipelineRules());
  let batches = 0;
  for (let first = job.from; first < job.to; first += job.batch) {
    const count = Math.min(job.batch, job.to - first);
    parentPort?.postMessage({ started: first });
    const result = await fuzzBatch(target, job.kind, job.seed, first, count, state);
    state = ++batches % STATE_BATCHES === 0 ? initialPipelineState(pipelineRules()) : result.state;
    parentPort?.postMessage({ next: first + count, tally: result.tally } satisfies Progress);
  }
}

/** One format in a worker; a batch that makes no progress for watchdogMs is a hang, skipped. */
function runFormat(
  job: Job,
  watchdogMs: number,
  onProgress: (done: number) => void,
): Promise<Tally> {
  const total = emptyTally();
  return new Promise((resolve, reject) => {
    const start = (from: number) => {
      if (from >= job.to) return resolve(total);
      const worker = new Worker(__filename, { workerData: { ...job, from } });
      let current = from;
      let terminated = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const count = Math.min(job.batch, job.to - current);
          total.records += count;
          total.hangs += count;
          total.problems.push(
            `${job.kind} seed=${job.seed} batch at index ${current} (${count} records) made no progress for ${watchdogMs} ms`,
          );
          terminated = true;
          void worker.terminate();
          start(current + count);
        }, watchdogMs);
      };
      arm();
      worker.on('message', (m: Progress | { started: number }) => {
        arm();
        if ('started' in m) {
          current = m.started;
          return;
        }
        addTally(total, m.tally);
        onProgress(m.next - job.from);
        if (m.next >= job.to) clearTimeout(timer);
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      worker.on('exit', (code) => {
        // a worker the watchdog terminated has already been replaced
        if (code === 0) {
          clearTimeout(timer);
          resolve(total);
        } else if (!terminated) {
          clearTimeout(timer);
          reject(new Error(`fuzz worker for ${job.kind} exited with code ${code}`));
        }
      });
    };
    start(job.from);
  });
}

async function main(): Promise<void> {
  const records = Number(process.env.FUZZ_RECORDS ?? 1_000_000);
  const seed = Number(process.env.FUZZ_SEED ?? 1);
  const batch = Number(process.env.FUZZ_BATCH ?? 500);
  const watchdogMs = Number(process.env.FUZZ_WATCHDOG_MS ?? 30_000);
  const kinds = (process.env.FUZZ_FORMATS?.split(',') ?? KINDS) as SourceKind[];
  const started = performance.now();
  const done = new Map<SourceKind, number>();
  const progress = setInterval(() => {
    const line = kinds.map((k) => `${k}=${done.get(k) ?? 0}`).join(' ');
    process.stderr.write(`fuzz ${((performance.now() - started) / 1000).toFixed(0)}s ${line}\n`);
  }, 10_000);
  // a worker per format, as many at once as there are cores
  const results = new Map<SourceKind, Tally>();
  const queue = [...kinds];
  const lanes = Array.from(
    { length: Math.max(1, Math.min(cpus().length, kinds.length)) },
    async () => {
      for (let kind = queue.shift(); kind; kind = queue.shift()) {
        const k = kind;
        results.set(
          k,
          await runFormat({ kind: k, seed, from: 0, to: records, batch }, watchdogMs, (n) =>
            done.set(k, n),
          ),
        );
      }
    },
  );
  await Promise.all(lanes);
  clearInterval(progress);

  const seconds = (performance.now() - started) / 1000;
  let failed = false;
  console.log(`fuzz: ${records} mutated records per format, seed ${seed}, ${seconds.toFixed(0)} s`);
  for (const kind of kinds) {
    const t = results.get(kind) ?? emptyTally();
    const bad = t.crashes + t.hangs + t.unaccounted + t.withoutReason;
    failed ||= bad > 0 || t.records < records;
    console.log(
      `${kind.padEnd(19)} records=${t.records} accepted=${t.accepted} rejected=${t.rejected} duplicates=${t.duplicates} ` +
        `crashes=${t.crashes} hangs>${HANG_MS}ms=${t.hangs} neither=${t.unaccounted} without_reason=${t.withoutReason} ` +
        `slowest_timed_alone_ms=${t.slowestMs.toFixed(1)}`,
    );
    console.log(`${''.padEnd(19)} by reason ${JSON.stringify(t.byReason)}`);
    for (const p of t.problems) console.log(`${''.padEnd(19)} ! ${p}`);
  }
  console.log(
    failed ? 'fuzz: FAILED' : 'fuzz: ok (0 crashes, 0 hangs, 0 unaccounted, 0 without reason)',
  );
  process.exit(failed ? 1 : 0);
}

if (isMainThread) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  work(workerData as Job).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
