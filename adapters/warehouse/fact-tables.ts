import { utcDayOf, type EventType } from '../../domain';

/**
 * The warehouse's fact tables and their columns, as the loaders write them. The migrations in
 * migrations/ create these tables; the integration tests check that both agree.
 */
export const FACT_TABLES: Readonly<Record<EventType, string>> = {
  impression: 'fact_impression',
  click: 'fact_click',
  conversion: 'fact_conversion',
  bid_request: 'fact_bid_request',
};

export const ATTRIBUTION_TABLE = 'fact_attribution';

/** Columns every fact table has, besides batch_id (a constant per load) and loaded_at (default). */
export const COMMON_FACT_COLUMNS = [
  'event_id',
  'event_time',
  'event_time_ms',
  'date_key',
  'user_id',
  'campaign_id',
  'ad_id',
  'publisher_id',
  'device_type',
  'country',
  'source_topic',
  'source_partition',
  'source_offset',
  'source_format',
  'schema_id',
] as const;

export const TYPE_FACT_COLUMNS: Readonly<Record<EventType, readonly string[]>> = {
  impression: ['cost_micros'],
  click: ['impression_id'],
  conversion: ['revenue_micros'],
  bid_request: ['bid_floor_micros', 'bid_price_micros', 'won'],
};

export const factColumns = (type: EventType): readonly string[] => [
  ...COMMON_FACT_COLUMNS,
  ...TYPE_FACT_COLUMNS[type],
];

/** The campaign aggregates: materialized views on Redshift, elsewhere views over totals (010). */
export const MATERIALIZED_VIEWS = ['mv_campaign_hourly', 'mv_campaign_daily'] as const;

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;

/** YYYYMMDD of the UTC day: the key of dim_date and of the daily aggregates. */
export function dateKey(epochMs: number): number {
  return utcDayOf(epochMs).key;
}
