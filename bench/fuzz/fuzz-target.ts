/**
 * What the fuzzer drives: the real decode (WireRecordDecoder over a registry holding the contract
 * and hostile writer schemas) and the real processBatch, one batch of mutated records at a time,
 * with every record's outcome accounted for. Shared by `npm run fuzz` and test/unit/fuzz.
 */
import { performance } from 'node:perf_hooks';
import { bidRequestSchemaText } from '../../adapters/codecs/bid-request-avro';
import { WireRecordDecoder } from '../../adapters/codecs/wire-record-decoder';
import { MemorySchemaRegistry } from '../../adapters/memory/memory-schema-registry';
import {
  initialPipelineState,
  pipelineRules,
  processBatch,
  REJECTION_REASONS,
  type PipelineState,
  type SourceKind,
} from '../../domain';
import { batchId, type RawRecord, type SourceBatch } from '../../ports';
import { createSimulator } from '../../src/simulator/simulator';
import { createRandom, hostileWriterSchemas, mutate } from './mutators';

export const TOPIC: Record<SourceKind, string> = {
  impression: 'impressions',
  click_or_conversion: 'clicks',
  bid_request: 'bid_requests',
};
export const KINDS = Object.keys(TOPIC) as SourceKind[];

/** a record slower than this, alone and on its best of three tries, is reported as a hang */
export const HANG_MS = 100;

export interface Tally {
  records: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  /** decode or processBatch threw: the batch would have stopped its partition */
  crashes: number;
  /** records slower than HANG_MS alone, or in a batch the watchdog gave up on */
  hangs: number;
  /** records that came out neither accepted, rejected nor a duplicate (or more than one) */
  unaccounted: number;
  /** rejections whose reason is not one of REJECTION_REASONS, or with no detail */
  withoutReason: number;
  byReason: Record<string, number>;
  /** the slowest record (its best of three when it took more than HANG_MS) */
  slowestMs: number;
  /** the first few problems, to reproduce them: format, index and what went wrong */
  problems: string[];
}

export const emptyTally = (): Tally => ({
  records: 0,
  accepted: 0,
  rejected: 0,
  duplicates: 0,
  crashes: 0,
  hangs: 0,
  unaccounted: 0,
  withoutReason: 0,
  byReason: {},
  slowestMs: 0,
  problems: [],
});

export function addTally(into: Tally, from: Tally): Tally {
  for (const k of [
    'records',
    'accepted',
    'rejected',
    'duplicates',
    'crashes',
    'hangs',
    'unaccounted',
    'withoutReason',
  ] as const)
    into[k] += from[k];
  for (const [r, n] of Object.entries(from.byReason))
    into.byReason[r] = (into.byReason[r] ?? 0) + n;
  into.slowestMs = Math.max(into.slowestMs, from.slowestMs);
  into.problems.push(...from.problems.slice(0, Math.max(0, 20 - into.problems.length)));
  return into;
}

export interface FuzzTarget {
  readonly now: number;
  readonly decoder: WireRecordDecoder;
  readonly seeds: Record<SourceKind, Buffer[]>;
  readonly hostileIds: number[];
  /** the mutated record number `index` of a run with this seed: the same bytes every time */
  record(kind: SourceKind, seed: number, index: number): Buffer;
}

/** a 32-bit seed per (run seed, format, index), so any record is reproduced on its own */
const recordSeed = (seed: number, kind: SourceKind, index: number): number =>
  (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^
    Math.imul(index + 1, 0xc2b2ae35) ^
    (KINDS.indexOf(kind) << 28)) >>>
  0;

export async function createFuzzTarget(seedRecords = 3000): Promise<FuzzTarget> {
  const now = Date.UTC(2026, 5, 1);
  const registry = new MemorySchemaRegistry();
  const subject = `${TOPIC.bid_request}-value`;
  const v1 = await registry.register(subject, bidRequestSchemaText(1));
  const v2 = await registry.register(subject, bidRequestSchemaText(2));
  // a producer that turned compatibility off: the registry takes whatever it is given
  await registry.setCompatibility(subject, 'NONE');
  const hostileIds: number[] = [];
  for (const schema of hostileWriterSchemas())
    hostileIds.push(await registry.register(subject, schema));
  // a schema under another subject (id 11): named in a bid_requests header, it is unknown_schema
  await registry.register(
    'elsewhere-value',
    JSON.stringify({ type: 'record', name: 'X', fields: [] }),
  );

  const simulator = createSimulator({
    seed: 12,
    startTime: now - 60_000 - seedRecords * 3 * 5,
    eventTimeStepMs: 5,
    bidRequestSchemaIds: { v1, v2 },
    malformedRate: 0.01,
    duplicateRate: 0.02,
  });
  const seeds: Record<SourceKind, Buffer[]> = {
    impression: [],
    click_or_conversion: [],
    bid_request: [],
  };
  const kindOf = Object.fromEntries(KINDS.map((k) => [TOPIC[k], k])) as Record<string, SourceKind>;
  for (const r of simulator.take(seedRecords * 3)) {
    const kind = kindOf[r.topic];
    if (kind) seeds[kind].push(Buffer.from(r.value));
  }
  const decoder = new WireRecordDecoder(registry, { maxRecordBytes: 64 * 1024 });

  return {
    now,
    decoder,
    seeds,
    hostileIds,
    record(kind, seed, index) {
      const r = createRandom(recordSeed(seed, kind, index));
      let base = r.pick(seeds[kind]);
      // a share of Avro records is written with a hostile writer schema: its new field empty
      if (kind === 'bid_request' && base.length > 5 && r.chance(0.3)) {
        const header = Buffer.from(base.subarray(0, 5));
        header.writeInt32BE(r.pick(hostileIds), 1);
        base = Buffer.concat([header, Buffer.from([0]), base.subarray(5)]);
      }
      return r.chance(0.02) ? base : mutate(kind, base, r);
    },
  };
}

const rawRecord = (topic: string, offset: number, value: Buffer): RawRecord => ({
  topic,
  partition: 0,
  offset: String(offset),
  key: null,
  value,
  headers: {},
  timestamp: '0',
});

function batchOf(kind: SourceKind, first: number, values: Buffer[]): SourceBatch {
  const topic = TOPIC[kind];
  const last = first + values.length - 1;
  return {
    id: batchId(topic, 0, String(first), String(last)),
    topic,
    kind,
    partition: 0,
    firstOffset: String(first),
    lastOffset: String(last),
    records: values.map((v, i) => rawRecord(topic, first + i, v)),
  };
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : String(error);

/**
 * Decodes and processes records [first, first + count) of a run, each as its own one-record batch
 * on the carried state, so each is timed on its own; returns their tally and the state to carry
 * on with. A record slower than HANG_MS is timed again alone on a fresh state, best of three, so
 * a busy machine or a GC pause does not count as a hang.
 */
export async function fuzzBatch(
  target: FuzzTarget,
  kind: SourceKind,
  seed: number,
  first: number,
  count: number,
  state: PipelineState = initialPipelineState(pipelineRules()),
): Promise<{ tally: Tally; state: PipelineState }> {
  const tally = emptyTally();
  tally.records = count;
  const where = (offset: number | string) => `${kind} seed=${seed} index=${offset}`;
  const run = async (batch: SourceBatch, from: PipelineState) => {
    const records = await target.decoder.decode(batch);
    return processBatch(from, records, target.now);
  };

  for (let index = first; index < first + count; index++) {
    const value = target.record(kind, seed, index);
    const batch = batchOf(kind, index, [value]);
    const started = performance.now();
    let outcome: Awaited<ReturnType<typeof run>>;
    try {
      outcome = await run(batch, state);
    } catch (error) {
      tally.crashes++;
      tally.problems.push(`crash at ${where(index)}: ${describeError(error)}`);
      state = initialPipelineState(pipelineRules());
      continue;
    }
    const elapsed = performance.now() - started;
    state = outcome.state;

    const outcomes =
      outcome.accepted.length + outcome.rejections.length + outcome.duplicates.length;
    const offsets = [
      ...outcome.accepted.map((e) => e.source.offset),
      ...outcome.rejections.map((r) => r.source.offset),
      ...outcome.duplicates.map((d) => d.source.offset),
    ];
    if (outcomes !== 1 || offsets[0] !== String(index)) {
      tally.unaccounted++;
      tally.problems.push(`${where(index)} came out ${outcomes} times`);
    }
    tally.accepted += outcome.accepted.length;
    tally.duplicates += outcome.duplicates.length;
    for (const r of outcome.rejections) {
      tally.rejected++;
      const reason = r.rejection.reason;
      tally.byReason[reason] = (tally.byReason[reason] ?? 0) + 1;
      if (!REJECTION_REASONS.includes(reason) || r.rejection.detail === '') {
        tally.withoutReason++;
        tally.problems.push(`rejection without reason at ${where(index)}`);
      }
    }

    if (elapsed > HANG_MS) {
      let best = elapsed;
      for (let attempt = 0; attempt < 3 && best > HANG_MS; attempt++) {
        const t = performance.now();
        await run(batch, initialPipelineState(pipelineRules()));
        best = Math.min(best, performance.now() - t);
      }
      if (best > HANG_MS) {
        tally.hangs++;
        tally.problems.push(`${where(index)} took ${best.toFixed(0)} ms alone`);
      }
      tally.slowestMs = Math.max(tally.slowestMs, best);
    } else tally.slowestMs = Math.max(tally.slowestMs, elapsed);
  }
  return { tally, state };
}
