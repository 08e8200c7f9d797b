import { EVENT_TYPES, type EventType } from '../../../domain';
import { ATTRIBUTION_TABLE, FACT_TABLES } from '../fact-tables';
import { AGGREGATE_REFRESH_DDL } from './redshift-refresh';

/**
 * The star schema in Redshift's dialect: same tables, columns and views as migrations/, with the
 * physical design Redshift needs instead of indexes:
 *
 * - Facts: DISTKEY(user_id). Users are many and evenly spread, so slices stay balanced, and one
 *   user's impressions, clicks, conversions and attributions sit on the same slice (the warehouse
 *   mirror of the Kafka co-partitioning by user), so user-level joins — attribution audits,
 *   funnels — run without redistribution. DISTKEY(campaign_id) would co-locate the per-campaign
 *   GROUP BY instead, but a dozen campaigns over many slices means a few hot slices (skew), and
 *   aggregating is cheap to parallelize anyway (partial aggregates per slice, then merged).
 * - SORTKEY(event_time): every report filters on an event-time window; zone maps then skip all
 *   blocks outside it, and loads arrive roughly in time order, so the unsorted region stays small.
 * - Dimensions and the ledger: DISTSTYLE ALL (small, joined from everywhere).
 * - No enforced keys in Redshift: uniqueness of event ids is the loader's job (MERGE, see
 *   redshift-load-sql.ts), and the declared PRIMARY KEYs are informational for the planner.
 * - Aggregates: materialized views with AUTO REFRESH YES (Redshift refreshes them in the
 *   background after loads; refreshAggregates() forces it), which never block readers.
 */
const ID = 'VARCHAR(256)';
/** `<key id>.<64 hex>`: a key id of up to 16 characters, a dot, the HMAC (adapters/crypto/keyring.ts) */
export const PSEUDONYM = 'VARCHAR(81)';

const COMMON = `
  event_id ${ID} NOT NULL,
  event_time TIMESTAMPTZ NOT NULL,
  event_time_ms BIGINT NOT NULL,
  date_key INTEGER NOT NULL,
  user_id ${PSEUDONYM} NOT NULL,
  campaign_id ${ID} NOT NULL,
  ad_id ${ID},
  publisher_id ${ID},
  device_type VARCHAR(16),
  country CHAR(2),
  batch_id VARCHAR(512) NOT NULL,
  source_topic VARCHAR(249) NOT NULL,
  source_partition INTEGER NOT NULL,
  source_offset BIGINT NOT NULL,
  source_format VARCHAR(8) NOT NULL,
  schema_id INTEGER,
  loaded_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE()`;

const TYPE_COLUMNS: Record<EventType, string> = {
  impression: 'cost_micros BIGINT',
  click: `impression_id ${ID}`,
  conversion: 'revenue_micros BIGINT',
  bid_request: 'bid_floor_micros BIGINT,\n  bid_price_micros BIGINT,\n  won BOOLEAN',
};

const factTable = (type: EventType) => `CREATE TABLE IF NOT EXISTS ${FACT_TABLES[type]} (${COMMON},
  ${TYPE_COLUMNS[type]},
  PRIMARY KEY (event_id)
)
DISTKEY(user_id)
SORTKEY(event_time)`;

const attributionTable = `CREATE TABLE IF NOT EXISTS ${ATTRIBUTION_TABLE} (
  event_type VARCHAR(16) NOT NULL,
  event_id ${ID} NOT NULL,
  event_time TIMESTAMPTZ NOT NULL,
  event_time_ms BIGINT NOT NULL,
  date_key INTEGER NOT NULL,
  user_id ${PSEUDONYM} NOT NULL,
  campaign_id ${ID} NOT NULL,
  source_partition INTEGER NOT NULL,
  model VARCHAR(16) NOT NULL,
  touch_event_type VARCHAR(16),
  touch_event_id ${ID},
  touch_event_time TIMESTAMPTZ,
  touch_event_time_ms BIGINT,
  late BOOLEAN NOT NULL,
  batch_id VARCHAR(512) NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE(),
  PRIMARY KEY (event_type, event_id)
)
DISTKEY(user_id)
SORTKEY(event_time)`;

const dimensions = [
  `CREATE TABLE IF NOT EXISTS dim_date (
  date_key INTEGER NOT NULL PRIMARY KEY,
  calendar_date DATE NOT NULL,
  year SMALLINT NOT NULL,
  quarter SMALLINT NOT NULL,
  month SMALLINT NOT NULL,
  day_of_month SMALLINT NOT NULL,
  iso_day_of_week SMALLINT NOT NULL,
  iso_week SMALLINT NOT NULL,
  is_weekend BOOLEAN NOT NULL
)
DISTSTYLE ALL
SORTKEY(date_key)`,
  ...['campaign', 'publisher'].map(
    (dim) => `CREATE TABLE IF NOT EXISTS dim_${dim} (
  ${dim}_id ${ID} NOT NULL PRIMARY KEY,
  first_batch_id VARCHAR(512) NOT NULL,
  first_seen_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE()
)
DISTSTYLE ALL`,
  ),
];

const ledger = `CREATE TABLE IF NOT EXISTS load_ledger (
  batch_id VARCHAR(512) NOT NULL PRIMARY KEY,
  rows INTEGER NOT NULL,
  attribution_rows INTEGER NOT NULL,
  staged_keys SUPER NOT NULL,
  loaded_at TIMESTAMPTZ NOT NULL DEFAULT GETDATE()
)
DISTSTYLE ALL`;

/** The facts as one stream of per-event contributions; the views group it by their grain. */
const CONTRIBUTIONS = `
  SELECT campaign_id, event_time_ms, date_key, 1 AS impressions, 0 AS clicks, 0 AS conversions,
         COALESCE(cost_micros, 0) AS spend_micros, 0 AS revenue_micros, 0 AS bid_requests,
         0 AS bids_won FROM fact_impression
  UNION ALL
  SELECT campaign_id, event_time_ms, date_key, 0, 1, 0, 0, 0, 0, 0 FROM fact_click
  UNION ALL
  SELECT campaign_id, event_time_ms, date_key, 0, 0, 1, 0, COALESCE(revenue_micros, 0), 0, 0
  FROM fact_conversion
  UNION ALL
  SELECT campaign_id, event_time_ms, date_key, 0, 0, 0, 0, 0, 1,
         CASE WHEN won THEN 1 ELSE 0 END FROM fact_bid_request`;

const f8 = (e: string) => `CAST(${e} AS DOUBLE PRECISION)`;
const TOTALS_AND_RATES = `
  SUM(impressions) AS impressions, SUM(clicks) AS clicks, SUM(conversions) AS conversions,
  SUM(spend_micros) AS spend_micros, SUM(revenue_micros) AS revenue_micros,
  SUM(bid_requests) AS bid_requests, SUM(bids_won) AS bids_won,
  ${f8('SUM(clicks)')} / NULLIF(SUM(impressions), 0) AS ctr,
  ${f8('SUM(conversions)')} / NULLIF(SUM(clicks), 0) AS cvr,
  ${f8('SUM(spend_micros)')} / 1000000 / NULLIF(SUM(conversions), 0) AS cpa,
  ${f8('SUM(spend_micros)')} / 1000 / NULLIF(SUM(impressions), 0) AS cpm,
  ${f8('SUM(revenue_micros)')} / NULLIF(SUM(spend_micros), 0) AS roas,
  ${f8('SUM(bids_won)')} / NULLIF(SUM(bid_requests), 0) AS win_rate`;

const views = [
  `CREATE MATERIALIZED VIEW mv_campaign_hourly
DISTKEY(campaign_id)
SORTKEY(hour_start_ms)
AUTO REFRESH YES
AS SELECT campaign_id,
  event_time_ms - event_time_ms % 3600000 AS hour_start_ms,
  TIMESTAMP 'epoch' + (event_time_ms - event_time_ms % 3600000) / 1000 * INTERVAL '1 second'
    AS hour_start,${TOTALS_AND_RATES}
FROM (${CONTRIBUTIONS}) contributions
GROUP BY 1, 2, 3`,
  `CREATE MATERIALIZED VIEW mv_campaign_daily
DISTKEY(campaign_id)
SORTKEY(date_key)
AUTO REFRESH YES
AS SELECT campaign_id, date_key, TO_DATE(CAST(date_key AS VARCHAR), 'YYYYMMDD') AS calendar_date,${TOTALS_AND_RATES}
FROM (${CONTRIBUTIONS}) contributions
GROUP BY 1, 2, 3`,
];

/** Every CREATE statement of the Redshift warehouse, in dependency order. */
export function redshiftSchemaStatements(): string[] {
  return [
    ...dimensions,
    ...EVENT_TYPES.map(factTable),
    attributionTable,
    ledger,
    AGGREGATE_REFRESH_DDL,
    ...views,
  ];
}
