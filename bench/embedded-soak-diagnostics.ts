/**
 * What bench:embedded-soak can record to find what holds or churns memory, each off unless its
 * variable is set:
 *
 * - ADX_SOAK_HEAP_SNAPSHOTS=3,7.5 — a heap snapshot at each of these minutes, into
 *   ADX_SOAK_HEAP_DIR (default .): a full GC first, so it holds only what is live; two of them,
 *   compared by constructor and retainer, show what grows.
 * - ADX_SOAK_ALLOC_PROFILE=<file.heapprofile> — from minute 2, one minute of V8's sampling heap
 *   profiler, counting allocations that survived a scavenge even when a later major GC freed
 *   them: where promoted garbage comes from, which is what makes the old generation (and RSS)
 *   saw-tooth. Open it in Chrome DevTools (Memory) or read its JSON call tree.
 *
 * Both pause the process while they run; a soak taking them measures that too.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** starts what the environment asks for; returns what cancels what has not happened yet */
export function startDiagnostics(env: NodeJS.ProcessEnv = process.env): () => void {
  const timers = (env.ADX_SOAK_HEAP_SNAPSHOTS ?? '')
    .split(',')
    .filter((m) => m.trim() !== '')
    .map(Number)
    .map((minute) =>
      setTimeout(() => {
        const file = join(env.ADX_SOAK_HEAP_DIR ?? '.', `soak-${minute}min.heapsnapshot`);
        log(`soak heap snapshot t=${minute}min ${writeHeapSnapshot(file)}`);
      }, minute * 60_000),
    );
  const profile = env.ADX_SOAK_ALLOC_PROFILE;
  if (profile) timers.push(setTimeout(() => void profilePromoted(profile, 60_000), 120_000));
  return () => timers.forEach(clearTimeout);
}

async function profilePromoted(file: string, forMs: number): Promise<void> {
  const session = new Session();
  session.connect();
  const post = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );
  try {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: 64 * 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    });
    await new Promise((resolve) => setTimeout(resolve, forMs));
    const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    log(`soak allocation profile ${file}`);
  } finally {
    session.disconnect();
  }
}
