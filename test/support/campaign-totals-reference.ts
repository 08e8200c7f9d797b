import type { AdEvent } from '../../domain';
import type { WarehouseBatch } from '../../ports';

const HOUR_MS = 3_600_000;

/** One aggregate row as the tests compare it: every value as text (pg gives BIGINT as text). */
export type TotalsRow = Record<string, string>;

export const TOTAL_COLUMNS = [
  'impressions',
  'clicks',
  'conversions',
  'spend_micros',
  'revenue_micros',
  'bid_requests',
  'bids_won',
] as const;

function contribution(e: AdEvent): Record<(typeof TOTAL_COLUMNS)[number], number> {
  return {
    impressions: e.eventType === 'impression' ? 1 : 0,
    clicks: e.eventType === 'click' ? 1 : 0,
    conversions: e.eventType === 'conversion' ? 1 : 0,
    spend_micros: e.eventType === 'impression' ? (e.costMicros ?? 0) : 0,
    revenue_micros: e.eventType === 'conversion' ? (e.revenueMicros ?? 0) : 0,
    bid_requests: e.eventType === 'bid_request' ? 1 : 0,
    bids_won: e.eventType === 'bid_request' && e.won === true ? 1 : 0,
  };
}

/**
 * The campaign aggregates computed offline over every load, in load order, by the warehouse's own
 * rules and nothing else: a batch id already loaded loads nothing (the ledger), an event id
 * already in its fact table is not added again, and each kept event counts once in its campaign's
 * hour (`grain: 'hour'`, keyed by hour_start_ms) or UTC day (`'day'`, keyed by date_key).
 */
export function referenceCampaignTotals(
  loads: readonly WarehouseBatch[],
  grain: 'hour' | 'day',
): TotalsRow[] {
  const batches = new Set<string>();
  const facts = new Set<string>();
  const totals = new Map<string, Record<string, number>>();
  for (const batch of loads) {
    if (batches.has(batch.batchId)) continue;
    batches.add(batch.batchId);
    for (const e of batch.events) {
      const fact = `${e.eventType}|${e.eventId}`;
      if (facts.has(fact)) continue;
      facts.add(fact);
      const bucket =
        grain === 'hour'
          ? String(Math.floor(e.eventTime / HOUR_MS) * HOUR_MS)
          : new Date(e.eventTime).toISOString().slice(0, 10).replaceAll('-', '');
      const key = `${e.campaignId}\u0000${bucket}`;
      const row = totals.get(key) ?? Object.fromEntries(TOTAL_COLUMNS.map((c) => [c, 0]));
      const add = contribution(e);
      for (const c of TOTAL_COLUMNS) row[c] = (row[c] ?? 0) + add[c];
      totals.set(key, row);
    }
  }
  const bucketColumn = grain === 'hour' ? 'hour_start_ms' : 'date_key';
  return [...totals.entries()]
    .map(([key, row]) => {
      const [campaignId, bucket] = key.split('\u0000') as [string, string];
      return {
        campaign_id: campaignId,
        [bucketColumn]: bucket,
        ...Object.fromEntries(TOTAL_COLUMNS.map((c) => [c, String(row[c])])),
      };
    })
    .sort(
      (a, b) =>
        compare(a.campaign_id!, b.campaign_id!) ||
        Number(a[bucketColumn]) - Number(b[bucketColumn]),
    );
}

/** byte order, as the database's C collation and ORDER BY on ASCII ids */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
