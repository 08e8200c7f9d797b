/**
 * fast-check generators for the catch-up properties: traffic laid out on topic-partitions as a
 * broker would hold it (offset order, each topic-partition's valid records within the lateness
 * bound of event-time order, re-sends and bad records among them), cut into batches, and the
 * orders a consumer may read those batches in.
 */
import fc from 'fast-check';
import type { IdleInput } from '../../../domain/process-batch';
import type { PipelineRules } from '../../../domain/rules';
import type { SourceRecord } from '../../../domain/source-record';
import { TOPIC_NAMES } from '../../support/domain-fixtures';
import {
  garbageRecord,
  invalidRecord,
  partitionOfUser,
  splitAt,
  toRecord,
  trafficEvents,
  type TrafficEvent,
} from './traffic-arbitraries';

const PARTITIONS = 2;

export interface CatchUpInput {
  /** `topic/partition` → its records in offset order (offsets 0, 1, 2, ...) */
  readonly topicPartitions: ReadonlyMap<string, readonly SourceRecord[]>;
  /** `topic/partition` → where its records are cut into batches */
  readonly cuts: ReadonlyMap<string, readonly number[]>;
  /** every topic-partition followed by a second copy of itself: a replay of the same period */
  repeated(): CatchUpInput;
}

export interface ScheduleStep {
  readonly records: readonly SourceRecord[];
  readonly idle?: readonly IdleInput[];
}

/** An order in which a consumer reads the input's batches (each topic-partition in offset order). */
export type Schedule = (input: CatchUpInput) => ScheduleStep[];

const withCoordinates = (
  record: SourceRecord,
  partition: number,
  offset: number,
): SourceRecord => ({
  ...record,
  source: { ...record.source, topic: TOPIC_NAMES[record.kind], partition, offset: String(offset) },
});

function makeInput(
  topicPartitions: Map<string, SourceRecord[]>,
  cuts: Map<string, number[]>,
): CatchUpInput {
  return {
    topicPartitions,
    cuts,
    repeated() {
      const twice = new Map<string, SourceRecord[]>();
      const twiceCuts = new Map<string, number[]>();
      for (const [tp, records] of topicPartitions) {
        const n = records.length;
        const again = records.map((r, i) => withCoordinates(r, r.source.partition, n + i));
        twice.set(tp, [...records, ...again]);
        const c = (cuts.get(tp) ?? []).map((x) => x % (n + 1));
        twiceCuts.set(tp, [...c, n, ...c.map((x) => x + n)]);
      }
      return makeInput(twice, twiceCuts);
    },
  };
}

interface Arrival {
  readonly due: number;
  readonly index: number;
  readonly record: SourceRecord;
}

/**
 * Distinct events, each arriving 0..lateness after its event time on its own topic-partition (so
 * its valid records keep the bound), plus re-sends arriving any time after their original, plus
 * ids used again later in event time (arriving within the bound too), plus
 * (with `noise`) invalid and undecodable records anywhere, plus (with `beyondRetention`) valid
 * records with that event time arriving last on their topic-partition.
 */
export function catchUpInput(
  rules: PipelineRules,
  spanMs: number,
  options: { noise?: boolean; beyondRetention?: number } = {},
): fc.Arbitrary<CatchUpInput> {
  const noise = options.noise ?? true;
  return trafficEvents(spanMs, 60)
    .chain((events) =>
      fc.record({
        events: fc.constant(events),
        delays: fc.array(fc.nat({ max: rules.allowedLatenessMs }), {
          minLength: events.length,
          maxLength: events.length,
        }),
        copies: fc.array(fc.tuple(fc.nat(), fc.nat({ max: spanMs })), { maxLength: 10 }),
        reused: fc.array(
          fc.tuple(fc.nat(), fc.nat({ max: spanMs }), fc.nat({ max: rules.allowedLatenessMs })),
          { maxLength: 6 },
        ),
        bad: noise
          ? fc.array(
              fc.tuple(
                fc.oneof(invalidRecord, garbageRecord),
                fc.nat(PARTITIONS - 1),
                fc.nat(spanMs),
              ),
              { maxLength: 8 },
            )
          : fc.constant([]),
        old:
          options.beyondRetention !== undefined
            ? fc.array(fc.nat(), { maxLength: 4 })
            : fc.constant([]),
        cuts: fc.array(fc.array(fc.nat(), { maxLength: 8 }), { minLength: 6, maxLength: 6 }),
      }),
    )
    .map(({ events, delays, copies, reused, bad, old, cuts }) => {
      const arrivals = new Map<string, Arrival[]>();
      let index = 0;
      const arrive = (record: SourceRecord, partition: number, due: number): void => {
        const tp = `${TOPIC_NAMES[record.kind]}/${partition}`;
        const list = arrivals.get(tp) ?? [];
        list.push({ due, index: index++, record });
        arrivals.set(tp, list);
      };
      const dueOf = new Map<string, number>();
      events.forEach((event, i) => {
        const due = event.time + (delays[i] ?? 0);
        dueOf.set(event.id, due);
        arrive(toRecord(event, 0), partitionOfUser(event.user), due);
      });
      if (events.length > 0) {
        for (const [pick, after] of copies) {
          const event = events[pick % events.length] as TrafficEvent;
          arrive(
            toRecord(event, 0),
            partitionOfUser(event.user),
            (dueOf.get(event.id) ?? 0) + after,
          );
        }
        // the same id again, later in event time: a duplicate within the retention, else new
        for (const [pick, later, delay] of reused) {
          const event = events[pick % events.length] as TrafficEvent;
          const again = { ...event, time: event.time + later };
          arrive(toRecord(again, 0), partitionOfUser(event.user), again.time + delay);
        }
        for (const pick of old) {
          const event = events[pick % events.length] as TrafficEvent;
          const stale = { ...event, id: `${event.id}-stale`, time: options.beyondRetention ?? 0 };
          arrive(toRecord(stale, 0), partitionOfUser(event.user), Number.MAX_SAFE_INTEGER);
        }
      }
      for (const [record, partition, due] of bad)
        arrive(record, partition, (events[0]?.time ?? 0) + due);

      const topicPartitions = new Map<string, SourceRecord[]>();
      const cutsOf = new Map<string, number[]>();
      let n = 0;
      for (const topic of Object.values(TOPIC_NAMES)) {
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const tp = `${topic}/${partition}`;
          const list = (arrivals.get(tp) ?? []).sort((a, b) => a.due - b.due || a.index - b.index);
          topicPartitions.set(
            tp,
            list.map((a, offset) => withCoordinates(a.record, partition, offset)),
          );
          cutsOf.set(tp, cuts[n++] ?? []);
        }
      }
      return makeInput(topicPartitions, cutsOf);
    });
}

function batchQueues(input: CatchUpInput, oneRecordEach = false): Map<string, SourceRecord[][]> {
  const queues = new Map<string, SourceRecord[][]>();
  for (const [tp, records] of input.topicPartitions) {
    const batches = oneRecordEach
      ? records.map((r) => [r])
      : splitAt(records, input.cuts.get(tp) ?? []).filter((b) => b.length > 0);
    queues.set(tp, batches);
  }
  return queues;
}

const idleOf = (tp: string): IdleInput => {
  const [topic, partition] = tp.split('/') as [string, string];
  return { topic, partition: Number(partition) };
};

/** Every batch of the topics in this order, one topic after the other (a catch-up of one topic). */
const topicsInOrder =
  (order: readonly string[]): Schedule =>
  (input) => {
    const queues = batchQueues(input);
    const steps: ScheduleStep[] = [];
    for (const topic of order)
      for (const [tp, batches] of queues)
        if (tp.startsWith(`${topic}/`)) steps.push(...batches.map((records) => ({ records })));
    return steps;
  };

const roundRobin =
  (oneRecordEach: boolean): Schedule =>
  (input) => {
    const queues = [...batchQueues(input, oneRecordEach).values()];
    const steps: ScheduleStep[] = [];
    while (queues.some((q) => q.length > 0))
      for (const q of queues) {
        const next = q.shift();
        if (next) steps.push({ records: next });
      }
    return steps;
  };

/** Any interleaving; a topic-partition may be marked idle once it has nothing left. */
export const randomOrder: fc.Arbitrary<Schedule> = fc
  .tuple(
    fc.array(fc.nat(), { maxLength: 200 }),
    fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
  )
  .map(([picks, idleWhenDone]): Schedule => (input) => {
    const queues = batchQueues(input);
    const tps = [...queues.keys()];
    const steps: ScheduleStep[] = [];
    let pick = 0;
    for (;;) {
      const open = tps.filter((tp) => (queues.get(tp)?.length ?? 0) > 0);
      if (open.length === 0) break;
      const tp = open[(picks[pick++] ?? pick) % open.length] as string;
      const queue = queues.get(tp) as SourceRecord[][];
      const records = queue.shift() as SourceRecord[];
      const done = queue.length === 0 && idleWhenDone[tps.indexOf(tp)] === true;
      steps.push(done ? { records, idle: [idleOf(tp)] } : { records });
    }
    return steps;
  });

export const SCHEDULES: Record<string, fc.Arbitrary<Schedule>> = {
  'any interleaving (random, with idle inputs)': randomOrder,
  'all clicks first': fc.constant(topicsInOrder(['clicks', 'impressions', 'bid_requests'])),
  'all impressions first': fc.constant(topicsInOrder(['impressions', 'bid_requests', 'clicks'])),
  'bid requests first, clicks last': fc.constant(
    topicsInOrder(['bid_requests', 'impressions', 'clicks']),
  ),
  'round-robin batches': fc.constant(roundRobin(false)),
  'one record per batch, round-robin': fc.constant(roundRobin(true)),
};
