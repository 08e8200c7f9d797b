import type { PipelineRules } from './rules';

/**
 * Event-time progress of one co-partitioned group (one partition number across the source topics),
 * after Flink's and Spark's rule for operators with several inputs:
 *
 * - each input (a source topic's partition) has its own watermark: the max event time accepted on
 *   it minus the allowed lateness. A producer that keeps its records within that bound of event
 *   time order never sends a record behind its input's watermark.
 * - the group's watermark is the minimum over its inputs, so a fast topic cannot run ahead of a
 *   slow one: every record any input can still send is at or after the group's watermark.
 * - an input that is caught up and has been quiet for the idle timeout is marked idle and stops
 *   holding the group back; its next accepted record makes it active again. When every input is
 *   idle, the group has seen everything it is going to see for now, and the watermark moves just
 *   past the latest event time seen, so nothing waits forever on a quiet pipeline.
 * - the group's watermark never goes back.
 */
export interface InputProgress {
  /** NO_EVENTS until the input has an accepted record */
  maxEventTime: number;
  idle: boolean;
}

export interface EventTimeClock {
  /** source topic → its progress on this partition; every source topic is an input from the start */
  readonly inputs: Map<string, InputProgress>;
  watermark: number;
}

/** Finite sentinels (snapshots are JSON): no event time is before 2000, so these are never real. */
export const NO_EVENTS = Number.MIN_SAFE_INTEGER;
export const NO_WATERMARK = Number.MIN_SAFE_INTEGER;

export function newEventTimeClock(inputs: Iterable<string>): EventTimeClock {
  const clock: EventTimeClock = { inputs: new Map(), watermark: NO_WATERMARK };
  for (const topic of inputs) clock.inputs.set(topic, { maxEventTime: NO_EVENTS, idle: false });
  return clock;
}

/** One input's watermark: its max event time minus the allowed lateness. */
export function inputWatermark(input: InputProgress | undefined, rules: PipelineRules): number {
  return input === undefined || input.maxEventTime === NO_EVENTS
    ? NO_WATERMARK
    : input.maxEventTime - rules.allowedLatenessMs;
}

/** Recomputes the group's watermark; true when it moved forward. */
function advance(clock: EventTimeClock, rules: PipelineRules): boolean {
  let lowestActive = Number.POSITIVE_INFINITY;
  let latestSeen = NO_EVENTS;
  for (const input of clock.inputs.values()) {
    if (input.maxEventTime > latestSeen) latestSeen = input.maxEventTime;
    if (!input.idle) lowestActive = Math.min(lowestActive, inputWatermark(input, rules));
  }
  const candidate =
    lowestActive !== Number.POSITIVE_INFINITY
      ? lowestActive
      : latestSeen === NO_EVENTS
        ? NO_WATERMARK
        : latestSeen + 1;
  if (candidate <= clock.watermark) return false;
  clock.watermark = candidate;
  return true;
}

/** An accepted record on `topic`; true when the group's watermark moved forward. */
export function observeInput(
  clock: EventTimeClock,
  topic: string,
  eventTime: number,
  rules: PipelineRules,
): boolean {
  let input = clock.inputs.get(topic);
  if (!input) clock.inputs.set(topic, (input = { maxEventTime: NO_EVENTS, idle: false }));
  const wasIdle = input.idle;
  input.idle = false;
  if (eventTime <= input.maxEventTime && !wasIdle) return false;
  if (eventTime > input.maxEventTime) input.maxEventTime = eventTime;
  return advance(clock, rules);
}

/** The input stopped holding the group back; true when the group's watermark moved forward. */
export function markInputIdle(clock: EventTimeClock, topic: string, rules: PipelineRules): boolean {
  let input = clock.inputs.get(topic);
  if (!input) clock.inputs.set(topic, (input = { maxEventTime: NO_EVENTS, idle: true }));
  input.idle = true;
  return advance(clock, rules);
}

export function isInputIdle(clock: EventTimeClock, topic: string): boolean {
  return clock.inputs.get(topic)?.idle ?? false;
}

/** Event-time buckets (one hour) let expiry drop whole slices instead of scanning every entry. */
export const BUCKET_MS = 3_600_000;
export const bucketOf = (time: number): number => Math.floor(time / BUCKET_MS);
