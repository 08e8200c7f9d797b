/**
 * A BIGINT or NUMERIC from either driver as a JS number: `pg` returns them as strings, PGlite as
 * numbers (or bigint past 2^53). Counts and micros stay below 2^53 by design (money.ts); a value
 * beyond it is refused rather than silently rounded.
 */
export function toSafeInteger(value: unknown, what: string): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || typeof value === 'string'
        ? Number(value)
        : NaN;
  if (!Number.isSafeInteger(n)) throw new Error(`${what}: ${String(value)} is not a safe integer`);
  return n;
}
