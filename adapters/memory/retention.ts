/**
 * How much of what it was given an in-memory adapter keeps, as a broker's or a bucket's retention
 * does: at most `keepLatest` items, and none older than `keepForMs`. Both, because either alone
 * lets a list grow for a long time: a count fills in seconds on a busy stream but takes tens of
 * minutes on a sparse one (dead letters are 0.5% of the input: 10,000 of them took the soak 33
 * minutes, 150 MB of heap), and an age keeps a busy stream's every record for that long.
 */
export interface Retention {
  readonly keepLatest?: number;
  readonly keepForMs?: number;
  /** the clock the ages are measured on (default Date.now) */
  readonly now?: () => number;
}

/**
 * How many of a list's oldest items (oldest first; `timeOf(i)` when item i was kept) to drop:
 * those beyond `keepLatest`, then those older than `keepForMs`. Looks only at what it drops and
 * the first item it keeps.
 */
export function expiredCount(
  length: number,
  timeOf: (index: number) => number,
  retention: Retention,
  now: number = (retention.now ?? Date.now)(),
): number {
  const { keepLatest, keepForMs } = retention;
  let drop = keepLatest !== undefined && length > keepLatest ? length - keepLatest : 0;
  if (keepForMs !== undefined) {
    const horizon = now - keepForMs;
    while (drop < length && timeOf(drop) < horizon) drop++;
  }
  return drop;
}
