import { drawDelay, EventFactory, Funnel, IdSource, LATE_BY } from './funnel';
import {
  countDuplicate,
  countMalformed,
  countValid,
  emptyGroundTruth,
  snapshot,
  type GroundTruth,
} from './ground-truth';
import {
  malformedRecord,
  SIMULATED_REASONS,
  type PartitionMark,
  type SimulatedReason,
} from './malformed';
import { resolveOptions, type SimulatorOptions } from './options';
import { partitionForKey } from './partitioner';
import { createRandom } from './prng';
import type { SimEvent } from './sim-events';
import type { SimulatedRecord } from './simulated-record';
import { Wire } from './wire';
import { createWorld } from './world';

export type { CampaignTruth, GroundTruth } from './ground-truth';
export type { SimulatorOptions, TrafficMix } from './options';
export type { SimulatedRecord, SimulatedTopic } from './simulated-record';

export interface Simulator {
  next(): SimulatedRecord;
  take(n: number): SimulatedRecord[];
  /** counts over everything emitted so far (a copy) */
  groundTruth(): GroundTruth;
  /** the simulated clock, epoch ms: no record emitted so far has a later event time */
  simTime(): number;
}

/** duplicates re-send one of the most recent valid records, as a producer retry would */
const RECENT = 1024;

/**
 * Seeded, deterministic ad traffic in the source topics' wire formats, with the duplicates,
 * late records and malformed records a production feed has, and the exact counts the pipeline
 * must arrive at. Each call to next() advances the simulated clock by eventTimeStepMs on average.
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const o = resolveOptions(options);
  const seed = o.seed >>> 0;
  const random = createRandom(seed);
  const world = createWorld(o, random);
  const ids = new IdSource(seed.toString(36));
  const factory = new EventFactory(random, world, o.mix);
  const funnel = new Funnel(random, world, o.mix, ids, factory, o.lateRate);
  const wire = new Wire(random, o.mix.contractV2Share, o.bidRequestSchemaIds);
  const truth = emptyGroundTruth();
  const recent: SimulatedRecord[] = [];
  let validCount = 0;
  /** per topic-partition with valid records: where late_beyond_retention records may go */
  const marks = new Map<string, PartitionMark>();
  /** user id → partition: murmur2 over a fresh Buffer per record would dominate emitValid */
  const partitions = new Map<string, number>();
  const partitionOf = (key: string): number => {
    let p = partitions.get(key);
    if (p === undefined) {
      if (partitions.size >= 1_000_000) partitions.clear();
      partitions.set(key, (p = partitionForKey(key, o.partitions)));
    }
    return p;
  };
  const otherReasons = SIMULATED_REASONS.filter((r) => r !== 'late_beyond_retention');
  let clock = o.startTime;

  const emitValid = (event: SimEvent, late: boolean): SimulatedRecord => {
    const record = wire.encode(event);
    countValid(truth, event, late);
    recent[validCount++ % RECENT] = record;
    const partition = partitionOf(record.key);
    const at = `${record.topic}:${partition}`;
    const previous = marks.get(at);
    if (!previous || event.time >= previous.maxEventTime) {
      marks.set(at, { topic: record.topic, partition, maxEventTime: event.time, key: record.key });
    }
    return record;
  };

  const valid = (now: number): SimulatedRecord => {
    const due = funnel.due(now);
    if (due) return emitValid(due.event, due.late);
    const late = random.chance(o.lateRate);
    return emitValid(funnel.primary(late ? now - drawDelay(random, LATE_BY) : now), late);
  };

  const duplicate = (): SimulatedRecord => {
    const original = random.pick(recent);
    countDuplicate(truth);
    return { ...original, value: Buffer.from(original.value) };
  };

  const malformed = (now: number): SimulatedRecord => {
    let reason: SimulatedReason = random.pick(SIMULATED_REASONS);
    // nothing valid in any partition yet: no retention horizon to be behind
    if (reason === 'late_beyond_retention' && marks.size === 0) reason = random.pick(otherReasons);
    const record = malformedRecord(
      {
        random,
        world,
        wire,
        factory,
        ids,
        now,
        maxRecordBytes: o.maxRecordBytes,
        unregisteredSchemaId: o.unregisteredSchemaId,
        marks: [...marks.values()],
      },
      reason,
    );
    countMalformed(truth, reason);
    return record;
  };

  const next = (): SimulatedRecord => {
    clock += o.eventTimeStepMs * 2 * random.next();
    const now = Math.floor(clock);
    const draw = random.next();
    if (draw < o.malformedRate) return malformed(now);
    if (draw < o.malformedRate + o.duplicateRate && recent.length > 0) return duplicate();
    return valid(now);
  };

  return {
    next,
    take: (n) => Array.from({ length: n }, next),
    groundTruth: () => snapshot(truth),
    simTime: () => Math.floor(clock),
  };
}
