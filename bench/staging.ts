/**
 * bench:staging — the node side of S3 staging: every accepted event of a simulated run staged the
 * way the service stages a batch (stageBatch: its NDJSON lines, gzip per table and event day, one
 * put per part), into the in-memory object store, so S3's own time is left out. Prints one JSON
 * line: wall and CPU seconds (CPU includes libuv's pool, where gzip runs), and the event loop's
 * busy time, which is what staging takes from the thread that decides the next batch.
 *   BENCH_EVENTS (default 500,000), BENCH_BATCH (default 2,000)
 */
import { performance } from 'node:perf_hooks';
import { decodeRecords } from '../adapters/codecs/decode-batch';
import { MemoryObjectStore } from '../adapters/memory/memory-object-store';
import {
  initialPipelineState,
  pipelineRules,
  processBatch,
  type AdEvent,
  type Attribution,
} from '../domain';
import { stageBatch } from '../src/pipeline/staging';
import { simulatedBatches } from './simulated-batches';

interface Decided {
  readonly accepted: readonly AdEvent[];
  readonly attributions: readonly Attribution[];
}

async function main(): Promise<void> {
  const events = Number(process.env.BENCH_EVENTS ?? 500_000);
  const batchSize = Number(process.env.BENCH_BATCH ?? 2000);
  const { batches, decodeDeps, pseudonymizer } = await simulatedBatches(events, batchSize);

  // decided first, outside the measurement: staging starts from a batch's outcome
  let state = initialPipelineState(pipelineRules());
  const now = Date.now();
  const decided: Decided[] = [];
  for (const batch of batches) {
    const records = await decodeRecords(
      batch.kind,
      batch.records,
      decodeDeps,
      state.rules.maxRecordBytes,
    );
    const outcome = processBatch(state, records, now, {
      pseudonymizeUser: (id) => pseudonymizer.pseudonymize(id),
    });
    state = outcome.state;
    decided.push({ accepted: outcome.accepted, attributions: outcome.attributions });
  }
  batches.length = 0;
  global.gc?.();

  const store = new MemoryObjectStore();
  let parts = 0;
  let bytes = 0;
  let staged = 0;
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const [i, batch] of decided.entries()) {
    const objects = await stageBatch(store, `bench-${i}`, batch.accepted, batch.attributions);
    parts += objects.length;
    bytes += objects.reduce((n, o) => n + o.bytes, 0);
    staged += batch.accepted.length;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const loop = performance.eventLoopUtilization(loopBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${JSON.stringify({
      events: staged,
      batches: decided.length,
      parts,
      gzipBytes: bytes,
      seconds: Number(seconds.toFixed(3)),
      eventsPerSec: Math.round(staged / seconds),
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      cpuMicrosPerEvent: Number(((cpuSeconds * 1e6) / staged).toFixed(2)),
      loopBusySeconds: Number((loop.active / 1000).toFixed(3)),
      loopMicrosPerEvent: Number(((loop.active * 1000) / staged).toFixed(2)),
      loopMsPerPart: Number((loop.active / parts).toFixed(3)),
      batchSize,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
