import type { AggregatesFreshness } from '../../ports';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The line `adx report` prints under its table: how current the aggregate views are. */
export function describeViewsFreshness(freshness: AggregatesFreshness | undefined): string {
  if (!freshness) return 'views never refreshed';
  const covers =
    freshness.coversLoadsUpTo === undefined
      ? 'covering no loads'
      : `covering loads up to ${iso(freshness.coversLoadsUpTo)}`;
  return `views refreshed at ${iso(freshness.refreshedAt)} (${covers})`;
}

/** The same in `adx report --json`: null when never refreshed. */
export function viewsFreshnessJson(freshness: AggregatesFreshness | undefined): {
  refreshedAt: string;
  coversLoadsUpTo: string | null;
  coversBatches: number;
} | null {
  if (!freshness) return null;
  return {
    refreshedAt: iso(freshness.refreshedAt),
    coversLoadsUpTo:
      freshness.coversLoadsUpTo === undefined ? null : iso(freshness.coversLoadsUpTo),
    coversBatches: freshness.coversBatches,
  };
}
