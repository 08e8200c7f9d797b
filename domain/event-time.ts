/** Event times are epoch milliseconds UTC. Sources send ISO-8601 with an explicit offset, or epoch ms. */
const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/** Earliest and latest plausible event times; outside them a timestamp is a unit mix-up (seconds vs ms). */
export const MIN_EVENT_TIME = Date.UTC(2000, 0, 1);
export const MAX_EVENT_TIME = Date.UTC(2100, 0, 1);

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * The instant computed from the fields themselves, every field range-checked: Date.parse would
 * roll 2024-02-30 over into March, and it is a third of the cost of validating an impression.
 * Fractions beyond milliseconds are truncated. A time without a zone is refused, not guessed.
 */
function parseIso(text: string): number | undefined {
  const m = ISO_WITH_ZONE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8] !== undefined) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}

export function parseEventTime(value: string | number): number | undefined {
  const ms =
    typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : parseIso(value);
  if (
    ms === undefined ||
    !Number.isSafeInteger(ms) ||
    ms < MIN_EVENT_TIME ||
    ms >= MAX_EVENT_TIME
  ) {
    return undefined;
  }
  return ms;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
