import { gzipSync } from 'node:zlib';
import { stringify } from 'csv-stringify/sync';
import type { AdEvent } from '../../domain';

/**
 * Fact rows as gzip CSV for Redshift `COPY ... FORMAT AS CSV GZIP`. The column list travels with
 * the object (returned here, and meant for the COPY column list), so the file never depends on the
 * table's physical column order. Conventions, chosen to load the same way in Redshift and Postgres:
 * - a missing value is an unquoted empty field (NULL); an empty string is `""`;
 * - times are UTC `YYYY-MM-DD HH:MM:SS.mmm` (TIMEFORMAT 'auto' and Postgres both parse it);
 * - money stays integer micros, booleans are `true`/`false`, offsets stay decimal strings (int64);
 * - no header row (COPY would need IGNOREHEADER, and the columns are named in the COPY).
 */
export interface CsvColumn<Row> {
  readonly name: string;
  readonly value: (row: Row) => string | number | boolean | undefined;
}

export interface RenderedCsv {
  readonly body: Uint8Array;
  readonly columns: readonly string[];
  readonly rows: number;
}

/** UTC timestamp without zone suffix, millisecond precision. */
export function csvTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace('Z', '');
}

/** One column per AdEvent field (snake_case), its source coordinates and the batch id. */
export function adEventCsvColumns(batchId: string): readonly CsvColumn<AdEvent>[] {
  return [
    { name: 'event_id', value: (e) => e.eventId },
    { name: 'event_type', value: (e) => e.eventType },
    { name: 'event_time', value: (e) => csvTimestamp(e.eventTime) },
    { name: 'user_id', value: (e) => e.userId },
    { name: 'campaign_id', value: (e) => e.campaignId },
    { name: 'ad_id', value: (e) => e.adId },
    { name: 'publisher_id', value: (e) => e.publisherId },
    { name: 'device_type', value: (e) => e.deviceType },
    { name: 'country', value: (e) => e.country },
    { name: 'impression_id', value: (e) => e.impressionId },
    { name: 'cost_micros', value: (e) => e.costMicros },
    { name: 'revenue_micros', value: (e) => e.revenueMicros },
    { name: 'bid_floor_micros', value: (e) => e.bidFloorMicros },
    { name: 'bid_price_micros', value: (e) => e.bidPriceMicros },
    { name: 'won', value: (e) => e.won },
    { name: 'source_topic', value: (e) => e.source.topic },
    { name: 'source_partition', value: (e) => e.source.partition },
    { name: 'source_offset', value: (e) => e.source.offset },
    { name: 'source_format', value: (e) => e.source.format },
    { name: 'source_schema_id', value: (e) => e.source.schemaId },
    { name: 'batch_id', value: () => batchId },
  ];
}

export function renderGzipCsv<Row>(
  rows: readonly Row[],
  columns: readonly CsvColumn<Row>[],
): RenderedCsv {
  const records = rows.map((row) => columns.map((column) => column.value(row)));
  const text = stringify(records, {
    // quote empty strings, so they stay distinct from NULL (an unquoted empty field), and bare
    // CRs, which csv-stringify leaves unquoted but a loader may take for a line break
    quoted_match: [/^$/, /\r/],
    cast: { boolean: (b) => (b ? 'true' : 'false') },
    record_delimiter: '\n',
  });
  return {
    body: gzipSync(text),
    columns: columns.map((column) => column.name),
    rows: rows.length,
  };
}

/** AdEvents of one table and day as gzip CSV, ready for `stagingKey(..., 'csv.gz')`. */
export function renderAdEventsCsv(batchId: string, events: readonly AdEvent[]): RenderedCsv {
  return renderGzipCsv(events, adEventCsvColumns(batchId));
}
