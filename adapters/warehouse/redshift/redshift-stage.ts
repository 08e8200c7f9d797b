import { PSEUDONYM } from './redshift-ddl';

/**
 * The shapes of the staged objects as Redshift's COPY reads them into a raw stage table.
 * - NDJSON (what src/pipeline/staging.ts writes: AdEvent and Attribution objects): a JSONPaths file
 *   maps each stage column to a path, nested source coordinates included. Times are epoch ms.
 * - CSV (adapters/s3/csv-staging.ts: fact rows, no header): the COPY column list names the stage
 *   columns in file order. Times are UTC timestamps. The file's `source_schema_id` column is loaded
 *   into `schema_id`, its `batch_id` column is ignored (the ledgered batch id is the load's own).
 */
export type StageKind = 'event' | 'attribution';

export interface RedshiftStageColumn {
  readonly name: string;
  readonly type: string;
  /** JSONPaths expression into the staged NDJSON object */
  readonly path: string;
}

const ID = 'VARCHAR(256)';

export const STAGE_COLUMNS: Readonly<Record<StageKind, readonly RedshiftStageColumn[]>> = {
  event: [
    { name: 'event_id', type: ID, path: '$.eventId' },
    { name: 'event_type', type: 'VARCHAR(16)', path: '$.eventType' },
    { name: 'event_time_ms', type: 'BIGINT', path: '$.eventTime' },
    { name: 'user_id', type: PSEUDONYM, path: '$.userId' },
    { name: 'campaign_id', type: ID, path: '$.campaignId' },
    { name: 'ad_id', type: ID, path: '$.adId' },
    { name: 'publisher_id', type: ID, path: '$.publisherId' },
    { name: 'device_type', type: 'VARCHAR(16)', path: '$.deviceType' },
    { name: 'country', type: 'CHAR(2)', path: '$.country' },
    { name: 'impression_id', type: ID, path: '$.impressionId' },
    { name: 'cost_micros', type: 'BIGINT', path: '$.costMicros' },
    { name: 'revenue_micros', type: 'BIGINT', path: '$.revenueMicros' },
    { name: 'bid_floor_micros', type: 'BIGINT', path: '$.bidFloorMicros' },
    { name: 'bid_price_micros', type: 'BIGINT', path: '$.bidPriceMicros' },
    { name: 'won', type: 'BOOLEAN', path: '$.won' },
    { name: 'source_topic', type: 'VARCHAR(249)', path: '$.source.topic' },
    { name: 'source_partition', type: 'INTEGER', path: '$.source.partition' },
    { name: 'source_offset', type: 'BIGINT', path: '$.source.offset' },
    { name: 'source_format', type: 'VARCHAR(8)', path: '$.source.format' },
    { name: 'schema_id', type: 'INTEGER', path: '$.source.schemaId' },
  ],
  attribution: [
    { name: 'event_type', type: 'VARCHAR(16)', path: '$.eventType' },
    { name: 'event_id', type: ID, path: '$.eventId' },
    { name: 'event_time_ms', type: 'BIGINT', path: '$.eventTime' },
    { name: 'user_id', type: PSEUDONYM, path: '$.userId' },
    { name: 'campaign_id', type: ID, path: '$.campaignId' },
    { name: 'source_partition', type: 'INTEGER', path: '$.partition' },
    { name: 'model', type: 'VARCHAR(16)', path: '$.model' },
    { name: 'touch_event_type', type: 'VARCHAR(16)', path: '$.touch.eventType' },
    { name: 'touch_event_id', type: ID, path: '$.touch.eventId' },
    { name: 'touch_event_time_ms', type: 'BIGINT', path: '$.touch.eventTime' },
    { name: 'late', type: 'BOOLEAN', path: '$.late' },
  ],
};

/** Filled after COPY from whichever time the staged format carried. */
export const DERIVED_STAGE_COLUMNS: Readonly<Record<StageKind, readonly string[]>> = {
  event: ['event_time TIMESTAMPTZ', 'batch_id VARCHAR(512)'],
  attribution: ['event_time TIMESTAMPTZ', 'touch_event_time TIMESTAMPTZ'],
};

/** Stage columns in the order of the staged CSV's fields (adEventCsvColumns in adapters/s3). */
export const CSV_STAGE_COLUMNS: readonly string[] = [
  'event_id',
  'event_type',
  'event_time',
  'user_id',
  'campaign_id',
  'ad_id',
  'publisher_id',
  'device_type',
  'country',
  'impression_id',
  'cost_micros',
  'revenue_micros',
  'bid_floor_micros',
  'bid_price_micros',
  'won',
  'source_topic',
  'source_partition',
  'source_offset',
  'source_format',
  'schema_id',
  'batch_id',
];

/** The JSONPaths file of a stage kind, as COPY ... FORMAT AS JSON 's3://…' expects it. */
export function jsonpathsFile(kind: StageKind): string {
  return JSON.stringify({ jsonpaths: STAGE_COLUMNS[kind].map((c) => c.path) }, null, 2);
}
