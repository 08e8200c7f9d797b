import { bidRequestSchemaText, decodeRecords, type SchemaLookup } from '../../adapters/codecs';
import {
  addCounts,
  emptyCounts,
  initialPipelineState,
  pipelineRules,
  processBatch,
  REJECTION_REASONS,
  type AdEvent,
  type BatchCounts,
  type EventType,
  type SourceKind,
} from '../../domain';
import type { RawRecord } from '../../ports';
import { partitionForKey } from '../../src/simulator/partitioner';
import {
  createSimulator,
  type CampaignTruth,
  type SimulatedRecord,
  type SimulatorOptions,
} from '../../src/simulator/simulator';

/**
 * The simulator's promise: run its records through the codecs and the domain, as a consumer of
 * the three topics would, and the pipeline counts exactly what the ground truth says.
 */
const IDS = { v1: 3, v2: 4 };
const schemas = new Map([
  [IDS.v1, bidRequestSchemaText(1)],
  [IDS.v2, bidRequestSchemaText(2)],
]);
const lookup: SchemaLookup = async (id) => schemas.get(id);
const START = Date.UTC(2025, 2, 1, 12);
const options = (extra: Partial<SimulatorOptions> = {}): SimulatorOptions => ({
  seed: 42,
  startTime: START,
  bidRequestSchemaIds: IDS,
  ...extra,
});

const KIND_OF_TOPIC: Record<SimulatedRecord['topic'], SourceKind> = {
  impressions: 'impression',
  clicks: 'click_or_conversion',
  bid_requests: 'bid_request',
};

/** What a broker does with produced records: key → partition, offsets in send order. */
function toPartitionLogs(
  records: readonly SimulatedRecord[],
  partitions: number,
): Map<string, RawRecord[]> {
  const logs = new Map<string, RawRecord[]>();
  for (const r of records) {
    const partition = partitionForKey(r.key, partitions);
    const at = `${r.topic}:${partition}`;
    const log = logs.get(at) ?? [];
    logs.set(at, log);
    log.push({
      topic: r.topic,
      partition,
      offset: String(log.length),
      key: Buffer.from(r.key),
      value: r.value,
      headers: r.headers ?? {},
      timestamp: '0',
    });
  }
  return logs;
}

/** Batches of one topic-partition each, round-robin across topic-partitions, as a consumer fetches. */
function roundRobin(logs: Map<string, RawRecord[]>, batchSize: number): RawRecord[][] {
  const batches: RawRecord[][] = [];
  const keys = [...logs.keys()].sort();
  for (let from = 0; keys.some((k) => (logs.get(k)?.length ?? 0) > from); from += batchSize) {
    for (const k of keys) {
      const slice = logs.get(k)?.slice(from, from + batchSize) ?? [];
      if (slice.length > 0) batches.push(slice);
    }
  }
  return batches;
}

interface PipelineResult {
  readonly counts: BatchCounts;
  readonly accepted: AdEvent[];
  /** topic:partition:offset → 'accepted' | 'duplicate' | rejection reason */
  readonly outcomes: Map<string, string>;
}

const at = (source: { topic: string; partition: number; offset: string }): string =>
  `${source.topic}:${source.partition}:${source.offset}`;

async function runPipeline(batches: readonly RawRecord[][], now: number): Promise<PipelineResult> {
  let state = initialPipelineState(pipelineRules());
  const counts = emptyCounts();
  const accepted: AdEvent[] = [];
  const outcomes = new Map<string, string>();
  const deps = { schemaById: lookup };
  for (const batch of batches) {
    const kind = KIND_OF_TOPIC[(batch[0] as RawRecord).topic as SimulatedRecord['topic']];
    const records = await decodeRecords(kind, batch, deps, state.rules.maxRecordBytes);
    const outcome = processBatch(state, records, now);
    state = outcome.state;
    addCounts(counts, outcome.counts);
    accepted.push(...outcome.accepted);
    for (const e of outcome.accepted) outcomes.set(at(e.source), 'accepted');
    for (const d of outcome.duplicates) outcomes.set(at(d.source), 'duplicate');
    for (const r of outcome.rejections) outcomes.set(at(r.source), r.rejection.reason);
  }
  return { counts, accepted, outcomes };
}

function acceptedByType(events: readonly AdEvent[]): Record<EventType, number> {
  const out: Record<EventType, number> = { impression: 0, click: 0, conversion: 0, bid_request: 0 };
  for (const e of events) out[e.eventType]++;
  return out;
}

function campaignTotals(events: readonly AdEvent[]): Map<string, CampaignTruth> {
  const out = new Map<string, CampaignTruth>();
  for (const e of events) {
    let c = out.get(e.campaignId);
    if (!c) {
      c = {
        impressions: 0,
        clicks: 0,
        conversions: 0,
        spendMicros: 0,
        revenueMicros: 0,
        bidRequests: 0,
        bidsWon: 0,
      };
      out.set(e.campaignId, c);
    }
    if (e.eventType === 'impression') {
      c.impressions++;
      c.spendMicros += e.costMicros ?? 0;
    } else if (e.eventType === 'click') c.clicks++;
    else if (e.eventType === 'conversion') {
      c.conversions++;
      c.revenueMicros += e.revenueMicros ?? 0;
    } else {
      c.bidRequests++;
      if (e.won) c.bidsWon++;
    }
  }
  return out;
}

describe('simulator ground truth', () => {
  it('every record meets the fate it was made for', async () => {
    const sim = createSimulator(options({ seed: 5, malformedRate: 0.3, duplicateRate: 0.1 }));
    const records: SimulatedRecord[] = [];
    const intended: string[] = [];
    let before = sim.groundTruth();
    for (let i = 0; i < 8000; i++) {
      records.push(sim.next());
      const after = sim.groundTruth();
      const reason = REJECTION_REASONS.find((r) => after.malformed[r] > before.malformed[r]);
      intended.push(reason ?? (after.duplicates > before.duplicates ? 'duplicate' : 'accepted'));
      before = after;
    }
    const logs = toPartitionLogs(records, 3);
    const { outcomes } = await runPipeline(roundRobin(logs, 300), sim.simTime() + 60_000);
    const offsets = new Map<string, number>();
    const fates = records.map((r) => {
      const tp = `${r.topic}:${partitionForKey(r.key, 3)}`;
      const offset = offsets.get(tp) ?? 0;
      offsets.set(tp, offset + 1);
      return outcomes.get(`${tp}:${offset}`);
    });
    const mismatches = fates.flatMap((fate, i) =>
      fate === intended[i] ? [] : [{ i, fate, intended: intended[i] }],
    );
    expect(mismatches).toEqual([]);
  });

  it.each([
    ['seed 42, 20k records, default shape', options(), 20_000],
    [
      'seed 7, 30k records, 1 partition, heavy faults',
      options({ seed: 7, partitions: 1, malformedRate: 0.05, duplicateRate: 0.1, lateRate: 0.1 }),
      30_000,
    ],
    [
      'seed 9, 20k records, 6 partitions, slow clock',
      options({ seed: 9, partitions: 6, eventTimeStepMs: 250 }),
      20_000,
    ],
    // ~1,400 records per reason: every malformed variant is drawn many times
    [
      'seed 11, 20k records, half of them malformed',
      options({ seed: 11, malformedRate: 0.5 }),
      20_000,
    ],
  ])('ground truth is exactly what the pipeline counts (%s)', async (_name, opts, n) => {
    const sim = createSimulator(opts);
    const records = sim.take(n);
    const truth = sim.groundTruth();
    const now = sim.simTime() + 60_000;
    const logs = toPartitionLogs(records, opts.partitions ?? 3);

    for (const batches of [roundRobin(logs, 500), roundRobin(logs, 100_000)]) {
      const { counts, accepted } = await runPipeline(batches, now);
      expect(counts.received).toBe(n);
      expect(acceptedByType(accepted)).toEqual(truth.validUnique);
      expect(counts.rejectedByReason).toEqual(truth.malformed);
      expect(counts.duplicates).toBe(truth.duplicates);
      expect(campaignTotals(accepted)).toEqual(truth.perCampaign);
    }
  });
});
