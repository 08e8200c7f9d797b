import type { Knex } from 'knex';

/**
 * The star schema: conformed dimensions and one fact table per event type. Every fact row carries
 * the batch that loaded it and its Kafka coordinates (lineage from a row back to its offset), and
 * its event id is the primary key, so an event can never be loaded twice. Money is BIGINT micros;
 * time is TIMESTAMPTZ plus the exact epoch milliseconds the pipeline works in.
 */
const FACTS = ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request'] as const;

/** Everything an analyst may read: all columns but the (pseudonymized) user id. */
const COMMON_ANALYST_COLUMNS = [
  'event_id',
  'event_time',
  'event_time_ms',
  'date_key',
  'campaign_id',
  'ad_id',
  'publisher_id',
  'device_type',
  'country',
  'batch_id',
  'source_topic',
  'source_partition',
  'source_offset',
  'source_format',
  'schema_id',
  'loaded_at',
];
const TYPE_COLUMNS: Record<(typeof FACTS)[number], string[]> = {
  fact_impression: ['cost_micros'],
  fact_click: ['impression_id'],
  fact_conversion: ['revenue_micros'],
  fact_bid_request: ['bid_floor_micros', 'bid_price_micros', 'won'],
};
/** What an auditor needs to follow a row back to Kafka, and nothing about the user. */
const LINEAGE_COLUMNS = [
  'event_id',
  'event_time',
  'batch_id',
  'source_topic',
  'source_partition',
  'source_offset',
  'source_format',
  'schema_id',
  'loaded_at',
];
const ATTRIBUTION_ANALYST_COLUMNS = [
  'event_type',
  'event_id',
  'event_time',
  'event_time_ms',
  'date_key',
  'campaign_id',
  'source_partition',
  'model',
  'touch_event_type',
  'touch_event_id',
  'touch_event_time',
  'touch_event_time_ms',
  'late',
  'batch_id',
  'loaded_at',
];

function factColumns(knex: Knex, t: Knex.CreateTableBuilder, table: string): void {
  t.text('event_id').primary({ constraintName: `${table}_pkey` });
  t.timestamp('event_time', { useTz: true }).notNullable();
  t.bigInteger('event_time_ms').notNullable();
  t.integer('date_key').notNullable();
  // HMAC-SHA256 pseudonym: the raw user id never leaves the processor
  t.text('user_id').notNullable();
  t.text('campaign_id').notNullable();
  t.text('ad_id');
  t.text('publisher_id');
  t.text('device_type');
  t.text('country');
  t.text('batch_id').notNullable();
  t.text('source_topic').notNullable();
  t.integer('source_partition').notNullable();
  t.bigInteger('source_offset').notNullable();
  t.text('source_format').notNullable();
  t.integer('schema_id');
  t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  // metrics per campaign over an event-time window, and "what did batch X load"
  t.index(['campaign_id', 'event_time_ms'], `${table}_campaign_time_idx`);
  t.index(['batch_id'], `${table}_batch_idx`);
}

const nonNegative = (t: Knex.CreateTableBuilder, column: string) =>
  t.check(`?? >= 0`, [column], `${column}_non_negative`);

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('dim_date', (t) => {
    t.integer('date_key').primary(); // YYYYMMDD of the UTC day
    t.date('calendar_date').notNullable().unique();
    t.smallint('year').notNullable();
    t.smallint('quarter').notNullable();
    t.smallint('month').notNullable();
    t.smallint('day_of_month').notNullable();
    t.smallint('iso_day_of_week').notNullable();
    t.smallint('iso_week').notNullable();
    t.boolean('is_weekend').notNullable();
  });
  // ids only: campaign and publisher attributes live in the ad server. Rows are inserted (never
  // updated) by the loader, so concurrent loads never wait on each other's dimension rows.
  await knex.schema.createTable('dim_campaign', (t) => {
    t.text('campaign_id').primary();
    t.text('first_batch_id').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('dim_publisher', (t) => {
    t.text('publisher_id').primary();
    t.text('first_batch_id').notNullable();
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('fact_impression', (t) => {
    factColumns(knex, t, 'fact_impression');
    t.bigInteger('cost_micros');
    nonNegative(t, 'cost_micros');
  });
  await knex.schema.createTable('fact_click', (t) => {
    factColumns(knex, t, 'fact_click');
    t.text('impression_id');
  });
  await knex.schema.createTable('fact_conversion', (t) => {
    factColumns(knex, t, 'fact_conversion');
    t.bigInteger('revenue_micros');
    nonNegative(t, 'revenue_micros');
  });
  await knex.schema.createTable('fact_bid_request', (t) => {
    factColumns(knex, t, 'fact_bid_request');
    t.bigInteger('bid_floor_micros');
    t.bigInteger('bid_price_micros');
    t.boolean('won');
    nonNegative(t, 'bid_floor_micros');
    nonNegative(t, 'bid_price_micros');
  });

  // click → impression and conversion → click/impression, as the attribution decider decided
  await knex.schema.createTable('fact_attribution', (t) => {
    t.text('event_type').notNullable();
    t.text('event_id').notNullable();
    t.primary(['event_type', 'event_id'], { constraintName: 'fact_attribution_pkey' });
    t.timestamp('event_time', { useTz: true }).notNullable();
    t.bigInteger('event_time_ms').notNullable();
    t.integer('date_key').notNullable();
    t.text('user_id').notNullable();
    t.text('campaign_id').notNullable();
    t.integer('source_partition').notNullable();
    t.text('model').notNullable();
    t.text('touch_event_type');
    t.text('touch_event_id');
    t.timestamp('touch_event_time', { useTz: true });
    t.bigInteger('touch_event_time_ms');
    t.boolean('late').notNullable();
    t.text('batch_id').notNullable();
    t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check(`?? IN ('click', 'conversion')`, ['event_type'], 'attribution_event_type');
    t.index(['campaign_id', 'event_time_ms'], 'fact_attribution_campaign_time_idx');
    t.index(['touch_event_id'], 'fact_attribution_touch_idx');
    t.index(['batch_id'], 'fact_attribution_batch_idx');
  });

  await knex.raw(
    'GRANT SELECT, INSERT ON dim_date, dim_campaign, dim_publisher, fact_attribution, ' +
      `${FACTS.join(', ')} TO adx_loader`,
  );
  await knex.raw('GRANT SELECT ON dim_date, dim_campaign, dim_publisher TO adx_analyst');
  // column grants: the analyst role cannot even name user_id (strictest reading of "never raw ids")
  for (const fact of FACTS) {
    const columns = [...COMMON_ANALYST_COLUMNS, ...TYPE_COLUMNS[fact]];
    await knex.raw(`GRANT SELECT (${columns.join(', ')}) ON ${fact} TO adx_analyst`);
    await knex.raw(`GRANT SELECT (${LINEAGE_COLUMNS.join(', ')}) ON ${fact} TO adx_auditor`);
  }
  await knex.raw(
    `GRANT SELECT (${ATTRIBUTION_ANALYST_COLUMNS.join(', ')}) ON fact_attribution TO adx_analyst`,
  );
  await knex.raw(
    'GRANT SELECT (event_type, event_id, event_time, batch_id, source_partition, loaded_at) ' +
      'ON fact_attribution TO adx_auditor',
  );
}

export async function down(knex: Knex): Promise<void> {
  // dropping a table drops its grants with it
  for (const table of ['fact_attribution', ...FACTS, 'dim_publisher', 'dim_campaign', 'dim_date']) {
    await knex.schema.dropTableIfExists(table);
  }
}
