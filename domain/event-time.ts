/** Event times are epoch milliseconds UTC. Sources send ISO-8601 with an explicit offset, or epoch ms. */
const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Earliest and latest plausible event times; outside them a timestamp is a unit mix-up (seconds vs ms). */
export const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
export const MAX_EVENT_TIME = Date.UTC(2100, 0, 1);

export function parseEventTime(value: string | number): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (/^\d{1,16}$/.test(value)) {
    ms = Number(value);
  } else {
    // a timestamp without a zone is ambiguous, so it is refused rather than guessed as local time
    const m = ISO_WITH_ZONE.exec(value);
    if (!m) return undefined;
    // Date.parse rolls 2024-02-30 over into March; a date that does not exist is refused instead
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const calendar = new Date(Date.UTC(year, month - 1, day));
    if (
      calendar.getUTCFullYear() !== year ||
      calendar.getUTCMonth() !== month - 1 ||
      calendar.getUTCDate() !== day
    ) {
      return undefined;
    }
    ms = Date.parse(value);
  }
  if (!Number.isSafeInteger(ms) || ms < MIN_EVENT_TIME || ms >= MAX_EVENT_TIME) return undefined;
  return ms;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
