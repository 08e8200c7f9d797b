import { dropUnreachableTouches, forgetUnreachableTouches } from './attribution';
import { forgetExpired } from './dedupe';
import { indexedKeys, rememberKey, type IndexedKey } from './event-key-index';
import { pushPending, type PendingAttribution } from './pending-queue';
import { newPartitionState, type PartitionState } from './partition-state';
import type { PipelineRules } from './rules';
import { addTouch, audienceTouches, type TouchIndex } from './touch-index';
import { BUCKET_MS, type EventTimeClock } from './watermark';

/**
 * One group's state as plain data, cut into chunks of bounded size, so a group is stored and
 * restored on its own and never as one string (or one buffer) of everything. The first chunk
 * carries the clock and the expiry bookkeeping; every chunk carries up to `maxEntries` keys,
 * touches and waiting clicks.
 */
export interface ClockData {
  readonly inputs: readonly {
    readonly topic: string;
    readonly maxEventTime: number;
    readonly idle: boolean;
  }[];
  readonly watermark: number;
}

export interface SnapshotHead {
  readonly clock: ClockData;
  readonly dedupeExpiredThroughBucket: number;
  readonly touchesExpiredThroughBucket: number;
}

export interface TouchData {
  readonly kind: 'impression' | 'click';
  readonly audience: string;
  readonly id: string;
  readonly time: number;
}

export interface PartitionSnapshotChunk {
  readonly head?: SnapshotHead;
  readonly keys: readonly IndexedKey[];
  readonly touches: readonly TouchData[];
  readonly pending: readonly PendingAttribution[];
}

export function clockData(clock: EventTimeClock): ClockData {
  return {
    inputs: [...clock.inputs].map(([topic, p]) => ({
      topic,
      maxEventTime: p.maxEventTime,
      idle: p.idle,
    })),
    watermark: clock.watermark,
  };
}

function* touchesOf(kind: TouchData['kind'], index: TouchIndex): Generator<TouchData> {
  for (const { audience, touches } of audienceTouches(index))
    for (const t of touches) yield { kind, audience, id: t.id, time: t.time };
}

/** How many entries (keys, touches, waiting clicks) a snapshot of the group would hold now. */
export function snapshotEntries(state: PartitionState): number {
  const { impressions, clicks, pending } = state.attribution;
  return state.dedupe.size + impressions.count + clicks.count + pending.length;
}

/** How many entries a stored snapshot holds, from its chunks. */
export const chunkEntries = (chunks: Iterable<PartitionSnapshotChunk>): number => {
  let entries = 0;
  for (const c of chunks) entries += c.keys.length + c.touches.length + c.pending.length;
  return entries;
};

/** The group's state in chunks of at most `maxEntries` entries each (at least one chunk). */
export function* snapshotChunks(
  state: PartitionState,
  maxEntries = 50_000,
): Generator<PartitionSnapshotChunk> {
  let chunk: {
    head?: SnapshotHead;
    keys: IndexedKey[];
    touches: TouchData[];
    pending: PendingAttribution[];
  } = {
    head: {
      clock: clockData(state.clock),
      dedupeExpiredThroughBucket: state.dedupeExpiredThroughBucket,
      touchesExpiredThroughBucket: state.attribution.expiredThroughBucket,
    },
    keys: [],
    touches: [],
    pending: [],
  };
  let entries = 0;
  const full = (): boolean => ++entries >= maxEntries;
  const next = () => {
    const done = chunk;
    chunk = { keys: [], touches: [], pending: [] };
    entries = 0;
    return done;
  };
  for (const key of indexedKeys(state.dedupe)) {
    chunk.keys.push(key);
    if (full()) yield next();
  }
  for (const touch of touchesOf('impression', state.attribution.impressions)) {
    chunk.touches.push(touch);
    if (full()) yield next();
  }
  for (const touch of touchesOf('click', state.attribution.clicks)) {
    chunk.touches.push(touch);
    if (full()) yield next();
  }
  for (const item of state.attribution.pending) {
    chunk.pending.push(item);
    if (full()) yield next();
  }
  if (entries > 0 || chunk.head) yield next();
}

/** The group exactly as its snapshot describes it. */
export function restorePartition(
  partition: number,
  inputs: readonly string[],
  chunks: Iterable<PartitionSnapshotChunk>,
): PartitionState {
  const state = newPartitionState(partition, inputs);
  for (const chunk of chunks) {
    if (chunk.head) {
      for (const input of chunk.head.clock.inputs)
        state.clock.inputs.set(input.topic, { maxEventTime: input.maxEventTime, idle: input.idle });
      state.clock.watermark = chunk.head.clock.watermark;
      state.dedupeExpiredThroughBucket = chunk.head.dedupeExpiredThroughBucket;
      state.attribution.expiredThroughBucket = chunk.head.touchesExpiredThroughBucket;
    }
    for (const key of chunk.keys)
      for (const t of key.times) rememberKey(state.dedupe, key.eventType, key.eventId, t);
    for (const touch of chunk.touches)
      addTouch(
        touch.kind === 'impression' ? state.attribution.impressions : state.attribution.clicks,
        touch.audience,
        { id: touch.id, time: touch.time },
      );
    for (const item of chunk.pending) pushPending(state.attribution.pending, item);
  }
  return state;
}

/** A group seeded with a clock (where a trimmed log starts) and nothing else. */
export function partitionFromClock(
  partition: number,
  inputs: readonly string[],
  clock: ClockData | undefined,
): PartitionState {
  return restorePartition(
    partition,
    inputs,
    clock
      ? [
          {
            head: {
              clock,
              dedupeExpiredThroughBucket: Number.MIN_SAFE_INTEGER,
              touchesExpiredThroughBucket: Number.MIN_SAFE_INTEGER,
            },
            keys: [],
            touches: [],
            pending: [],
          },
        ]
      : [],
  );
}

/**
 * Forgets now whatever the watermark already allows forgetting. Expiry runs lazily, an hour of
 * event time at a time, so two states with the same content can differ in what they have not yet
 * dropped; settled (unreachable touches to the millisecond), they are equal.
 */
export function settlePartition(state: PartitionState, rules: PipelineRules): PartitionState {
  forgetExpired(state.dedupe, state.clock.watermark, rules);
  state.attribution.expiredThroughBucket = Number.MIN_SAFE_INTEGER;
  forgetUnreachableTouches(state.attribution, state.clock.watermark, rules);
  dropUnreachableTouches(state.attribution, state.clock.watermark, rules);
  return state;
}

/** What a group holds, in one canonical order: for comparing a rebuilt state with a live one. */
export interface PartitionContent {
  readonly clock: ClockData;
  readonly keys: readonly string[];
  readonly touches: readonly string[];
  readonly pending: readonly string[];
}

export function describePartition(state: PartitionState): PartitionContent {
  const clock = clockData(state.clock);
  return {
    clock: { ...clock, inputs: [...clock.inputs].sort((a, b) => (a.topic < b.topic ? -1 : 1)) },
    keys: [...indexedKeys(state.dedupe)]
      .map((k) => `${k.eventType}:${k.eventId}@${[...k.times].sort((a, b) => a - b).join(',')}`)
      .sort(),
    touches: [
      ...touchesOf('impression', state.attribution.impressions),
      ...touchesOf('click', state.attribution.clicks),
    ]
      .map((t) => `${t.kind}|${t.audience}|${t.id}|${t.time}`)
      .sort(),
    pending: state.attribution.pending
      .map((p) =>
        JSON.stringify([
          p.eventType,
          p.id,
          p.time,
          p.userId,
          p.campaignId,
          p.impressionId ?? null,
          p.late,
        ]),
      )
      .sort(),
  };
}

/**
 * The earliest event time the group's state can still depend on: dedupe keys go at the watermark
 * minus the retention, touches at the watermark (or the oldest waiting click) minus the longest
 * window, and expiry works in whole hours. A changelog row whose events are all older than this
 * changes nothing a rebuild would keep.
 */
export function stateHorizon(state: PartitionState, rules: PipelineRules): number {
  const reach = Math.max(
    rules.dedupeRetentionMs,
    rules.clickLookbackMs,
    rules.viewThroughWindowMs,
    rules.conversionClickWindowMs,
  );
  const oldestWaiting = state.attribution.pending[0]?.time ?? Number.POSITIVE_INFINITY;
  return Math.min(state.clock.watermark, oldestWaiting) - reach - BUCKET_MS;
}
