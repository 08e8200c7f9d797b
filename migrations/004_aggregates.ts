import type { Knex } from 'knex';

/**
 * Per-campaign aggregates as materialized views, hourly and daily (UTC). Each has a UNIQUE index on
 * its grain, which is what lets `REFRESH MATERIALIZED VIEW CONCURRENTLY` rebuild it while readers
 * keep reading the previous contents. Totals are BIGINT (micros for money); rates are derived from
 * the totals of the same row and are NULL where their denominator is zero, as in campaignKpis().
 */

/** One row per campaign and bucket per fact table, summed together by the view. */
export function perFactTotals(bucket: string): string {
  const zero = '0::bigint';
  const part = (table: string, columns: string[]) =>
    `SELECT campaign_id, ${bucket} AS bucket, ${columns.join(', ')} FROM ${table} GROUP BY 1, 2`;
  return [
    part('fact_impression', [
      'count(*) AS impressions',
      `${zero} AS clicks`,
      `${zero} AS conversions`,
      'coalesce(sum(cost_micros), 0) AS spend_micros',
      `${zero} AS revenue_micros`,
      `${zero} AS bid_requests`,
      `${zero} AS bids_won`,
    ]),
    part('fact_click', [zero, 'count(*)', zero, zero, zero, zero, zero]),
    part('fact_conversion', [
      zero,
      zero,
      'count(*)',
      zero,
      'coalesce(sum(revenue_micros), 0)',
      zero,
      zero,
    ]),
    part('fact_bid_request', [
      zero,
      zero,
      zero,
      zero,
      zero,
      'count(*)',
      'sum(CASE WHEN won THEN 1 ELSE 0 END)',
    ]),
  ].join('\n    UNION ALL\n    ');
}

export const TOTALS = [
  'impressions',
  'clicks',
  'conversions',
  'spend_micros',
  'revenue_micros',
  'bid_requests',
  'bids_won',
];

export const RATES = `
  clicks::float8 / NULLIF(impressions, 0) AS ctr,
  conversions::float8 / NULLIF(clicks, 0) AS cvr,
  (spend_micros::float8 / 1000000) / NULLIF(conversions, 0) AS cpa,
  (spend_micros::float8 / 1000) / NULLIF(impressions, 0) AS cpm,
  revenue_micros::float8 / NULLIF(spend_micros, 0) AS roas,
  bids_won::float8 / NULLIF(bid_requests, 0) AS win_rate`;

function view(name: string, bucket: string, bucketColumns: string): string {
  return `
CREATE MATERIALIZED VIEW ${name} AS
SELECT campaign_id, ${bucketColumns}, ${TOTALS.join(', ')}, ${RATES}
FROM (
  SELECT campaign_id, bucket, ${TOTALS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')}
  FROM (
    ${perFactTotals(bucket)}
  ) per_fact
  GROUP BY campaign_id, bucket
) totals`;
}

export async function up(knex: Knex): Promise<void> {
  // hour number since the epoch from the exact milliseconds: independent of the session TimeZone
  await knex.raw(
    view(
      'mv_campaign_hourly',
      'event_time_ms / 3600000',
      'to_timestamp(bucket * 3600) AS hour_start, (bucket * 3600000)::bigint AS hour_start_ms',
    ),
  );
  await knex.raw(
    view(
      'mv_campaign_daily',
      'date_key',
      "bucket AS date_key, to_date(bucket::text, 'YYYYMMDD') AS calendar_date",
    ),
  );
  await knex.raw(
    'CREATE UNIQUE INDEX mv_campaign_hourly_grain ON mv_campaign_hourly (campaign_id, hour_start_ms)',
  );
  await knex.raw('CREATE INDEX mv_campaign_hourly_time ON mv_campaign_hourly (hour_start_ms)');
  await knex.raw(
    'CREATE UNIQUE INDEX mv_campaign_daily_grain ON mv_campaign_daily (campaign_id, date_key)',
  );
  await knex.raw('CREATE INDEX mv_campaign_daily_time ON mv_campaign_daily (date_key)');
  // The views stay with the migrating role. (This migration used to hand them to adx_loader so it
  // could REFRESH them; an owner may also drop them, and a non-superuser migrator cannot make that
  // hand-over, since adx_loader may not create in the schema. 007 takes them back where it was made
  // and lets the loader refresh through a SECURITY DEFINER function.)
  for (const mv of ['mv_campaign_hourly', 'mv_campaign_daily']) {
    await knex.raw(`GRANT SELECT ON ${mv} TO adx_analyst`);
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP MATERIALIZED VIEW IF EXISTS mv_campaign_daily');
  await knex.raw('DROP MATERIALIZED VIEW IF EXISTS mv_campaign_hourly');
}
