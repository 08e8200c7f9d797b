/**
 * bench:core — the pure pipeline (decode + validate + normalize + pseudonymize + dedupe +
 * attribute) on pre-generated simulated records, in one process, no I/O. Prints one JSON line.
 *   BENCH_EVENTS (default 1,000,000), BENCH_BATCH (default 2,000)
 *   BENCH_PROFILE=1: also samples the measured loop (not the generation before it) with V8's
 *   profiler and prints where its time goes, by area and by function, to stderr;
 *   BENCH_PROFILE_OUT=file.cpuprofile keeps that profile for DevTools or profile-summary
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { decodeRecords } from '../adapters/codecs/decode-batch';
import { initialPipelineState, pipelineRules, processBatch } from '../domain';
import { formatSummary, summarizeCpuProfiles, type CpuProfile } from './e2e/profile-summary';
import { simulatedBatches } from './simulated-batches';

/** V8's sampling profiler around the measured loop only, through the inspector */
async function startProfiler(): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return profile as CpuProfile;
  };
}

async function main(): Promise<void> {
  const events = Number(process.env.BENCH_EVENTS ?? 1_000_000);
  const batchSize = Number(process.env.BENCH_BATCH ?? 2000);
  const { batches, decodeDeps: deps, pseudonymizer } = await simulatedBatches(events, batchSize);
  global.gc?.();

  let state = initialPipelineState(pipelineRules());
  let decodeMs = 0;
  let processMs = 0;
  let received = 0;
  let accepted = 0;
  const now = Date.now();
  const stopProfiler = process.env.BENCH_PROFILE === '1' ? await startProfiler() : undefined;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // a consumer lets go of a batch once it is processed: so does the bench, or a million raw
  // records would stay in the old generation and every major GC would walk them
  for (let batch = batches.shift(); batch; batch = batches.shift()) {
    const t0 = performance.now();
    const records = await decodeRecords(
      batch.kind,
      batch.records,
      deps,
      state.rules.maxRecordBytes,
    );
    const t1 = performance.now();
    const outcome = processBatch(state, records, now, {
      pseudonymizeUser: (id) => pseudonymizer.pseudonymize(id),
    });
    processMs += performance.now() - t1;
    decodeMs += t1 - t0;
    state = outcome.state;
    received += outcome.counts.received;
    accepted += outcome.counts.accepted;
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (stopProfiler) {
    const profile = await stopProfiler();
    if (process.env.BENCH_PROFILE_OUT)
      writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profile));
    process.stderr.write(formatSummary(summarizeCpuProfiles([profile])));
  }
  // CPU time (user + system) varies far less than wall time on a busy machine
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(
    `${JSON.stringify({
      events: received,
      seconds: Number(seconds.toFixed(3)),
      eventsPerSec: Math.round(received / seconds),
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      eventsPerCpuSecond: Math.round(received / cpuSeconds),
      peakRssMB,
      accepted,
      decodeSeconds: Number((decodeMs / 1000).toFixed(3)),
      processSeconds: Number((processMs / 1000).toFixed(3)),
      batchSize,
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
