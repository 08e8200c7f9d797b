/** The UTC calendar day an event time falls on, as staging keys and the warehouse's date_key name it. */
export interface UtcDay {
  /** YYYY-MM-DD */
  readonly iso: string;
  /** YYYYMMDD */
  readonly key: number;
}

const DAY_MS = 86_400_000;
/** the largest |epoch ms| a Date takes */
const MAX_DATE_MS = 8.64e15;
/** a batch's events fall on a day or two; this many are remembered before starting over */
const REMEMBERED_DAYS = 4096;

const days = new Map<number, UtcDay>();

/**
 * Computed once per day, not per event: `new Date(...).toISOString()` had cost about 1 µs an
 * event at each of its two or three call sites. Throws RangeError, as Date does, on a time no
 * Date can hold (NaN, ±Infinity, beyond ±8.64e15 ms).
 */
export function utcDayOf(epochMs: number): UtcDay {
  if (!(Math.abs(epochMs) <= MAX_DATE_MS)) throw new RangeError('Invalid time value');
  const index = Math.floor(epochMs / DAY_MS);
  let day = days.get(index);
  if (day === undefined) {
    const date = new Date(index * DAY_MS);
    day = {
      iso: date.toISOString().slice(0, 10),
      key: date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate(),
    };
    if (days.size >= REMEMBERED_DAYS) days.clear();
    days.set(index, day);
  }
  return day;
}
