/**
 * Per-partition event-time watermark: the max event time accepted in the partition minus the
 * allowed lateness. Events behind it arrived later than the lateness bound promises.
 * NO_EVENTS stands for "nothing seen yet" (event times start in 2000, so 0 is never real).
 */
export const NO_EVENTS = 0;

export function watermark(maxEventTime: number, allowedLatenessMs: number): number {
  return maxEventTime === NO_EVENTS ? Number.NEGATIVE_INFINITY : maxEventTime - allowedLatenessMs;
}

/** Event-time buckets (one hour) let expiry drop whole slices instead of scanning every entry. */
export const BUCKET_MS = 3_600_000;
export const bucketOf = (time: number): number => Math.floor(time / BUCKET_MS);
