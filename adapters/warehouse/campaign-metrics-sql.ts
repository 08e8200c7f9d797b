import type { Knex } from 'knex';
import type { CampaignMetrics, CampaignMetricsQuery } from '../../ports';
import { DAY_MS, HOUR_MS, dateKey } from './fact-tables';
import { toSafeInteger } from './sql-numbers';

/** Where campaign metrics are read: the aggregate views, or always the facts themselves. */
export type MetricsSource = 'aggregates' | 'facts';

/** the campaign aggregates' totals, as the views and `aggregate_delta` name them */
export const TOTALS = [
  'impressions',
  'clicks',
  'conversions',
  'spend_micros',
  'revenue_micros',
  'bid_requests',
  'bids_won',
] as const;

interface TotalsRow {
  readonly campaign_id: string;
  readonly [total: string]: unknown;
}

function whereClause(column: string, lower?: number, upper?: number, campaignId?: string) {
  const conditions: string[] = [];
  const bindings: (string | number)[] = [];
  if (lower !== undefined) {
    conditions.push(`${column} >= ?`);
    bindings.push(lower);
  }
  if (upper !== undefined) {
    conditions.push(`${column} < ?`);
    bindings.push(upper);
  }
  if (campaignId !== undefined) {
    conditions.push('campaign_id = ?');
    bindings.push(campaignId);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', bindings };
}

const aligned = (ms: number | undefined, unit: number) => ms === undefined || ms % unit === 0;

/**
 * Per-campaign totals over [from, to) of event time. The views answer whenever the window falls on
 * their grain (whole UTC days, whole hours), which is every report; any other window is summed
 * from the facts, so the answer is exact for every window either way.
 */
export function campaignMetricsQuery(
  knex: Knex,
  query: CampaignMetricsQuery,
  source: MetricsSource,
): Knex.Raw<TotalsRow[]> {
  const { from, to, campaignId } = query;
  let bindings: (string | number)[] = [];
  const where = (column: string, lower?: number, upper?: number): string => {
    const clause = whereClause(column, lower, upper, campaignId);
    bindings = clause.bindings;
    return clause.sql;
  };
  const sums = TOTALS.map((t) => `sum(${t})::bigint AS ${t}`).join(', ');
  const tail = 'GROUP BY campaign_id ORDER BY campaign_id';

  if (source === 'aggregates' && aligned(from, DAY_MS) && aligned(to, DAY_MS)) {
    const filter = where(
      'date_key',
      from === undefined ? undefined : dateKey(from),
      to === undefined ? undefined : dateKey(to),
    );
    return knex.raw(
      `SELECT campaign_id, ${sums} FROM mv_campaign_daily ${filter} ${tail}`,
      bindings,
    );
  }
  if (source === 'aggregates' && aligned(from, HOUR_MS) && aligned(to, HOUR_MS)) {
    const filter = where('hour_start_ms', from, to);
    return knex.raw(
      `SELECT campaign_id, ${sums} FROM mv_campaign_hourly ${filter} ${tail}`,
      bindings,
    );
  }
  const filter = where('event_time_ms', from, to);
  const perFact = [
    `SELECT campaign_id, count(*) AS impressions, 0 AS clicks, 0 AS conversions,
       coalesce(sum(cost_micros), 0) AS spend_micros, 0 AS revenue_micros, 0 AS bid_requests,
       0 AS bids_won FROM fact_impression ${filter} GROUP BY campaign_id`,
    `SELECT campaign_id, 0, count(*), 0, 0, 0, 0, 0 FROM fact_click ${filter} GROUP BY campaign_id`,
    `SELECT campaign_id, 0, 0, count(*), 0, coalesce(sum(revenue_micros), 0), 0, 0
       FROM fact_conversion ${filter} GROUP BY campaign_id`,
    `SELECT campaign_id, 0, 0, 0, 0, 0, count(*), sum(CASE WHEN won THEN 1 ELSE 0 END)
       FROM fact_bid_request ${filter} GROUP BY campaign_id`,
  ];
  return knex.raw(`SELECT campaign_id, ${sums} FROM (${perFact.join(' UNION ALL ')}) f ${tail}`, [
    ...bindings,
    ...bindings,
    ...bindings,
    ...bindings,
  ]);
}

export function toCampaignMetrics(row: TotalsRow): CampaignMetrics {
  const total = (name: (typeof TOTALS)[number]) => toSafeInteger(row[name], name);
  return {
    campaignId: row.campaign_id,
    impressions: total('impressions'),
    clicks: total('clicks'),
    conversions: total('conversions'),
    spendMicros: total('spend_micros'),
    revenueMicros: total('revenue_micros'),
    bidRequests: total('bid_requests'),
    bidsWon: total('bids_won'),
  };
}
