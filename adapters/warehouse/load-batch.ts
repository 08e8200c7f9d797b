import type { Knex } from 'knex';
import { EVENT_TYPES, type EventType } from '../../domain';
import type { LoadResult, WarehouseBatch } from '../../ports';
import { insertFactsWithDeltaSql } from './aggregate-delta-sql';
import { copyRowsIn } from './copy-in';
import { ATTRIBUTION_TABLE, FACT_TABLES, factColumns } from './fact-tables';
import {
  ATTRIBUTION_STAGE_COLUMNS,
  createStageTableSql,
  DERIVED_EVENT_COLUMNS,
  EVENT_STAGE_COLUMNS,
} from './stage-rows';

/** The steps of one load, in order; each one runs inside the load's transaction. */
export type LoadStep = 'claimed' | 'staged' | 'dimensions' | 'facts' | 'attributions' | 'recorded';

/** Called after each step, still inside the transaction: a throw rolls the whole load back. */
export type LoadStepHook = (step: LoadStep, batchId: string) => void | Promise<void>;

const EVENT_STAGE = 'adx_stage_events';
const ATTRIBUTION_STAGE = 'adx_stage_attributions';

interface RawResult {
  readonly rowCount: number | null;
}

const rowCount = (result: RawResult): number => result.rowCount ?? 0;

/**
 * Loads one batch inside the caller's transaction: the ledger row is claimed first, so a batch
 * already loaded — or being loaded by a concurrent transaction, whose insert this one waits for —
 * is skipped before anything else is written. Then COPY into a stage table, dimensions, facts
 * (ON CONFLICT on the event id: a row never lands twice) with what they add to the aggregates,
 * attributions, and the ledger's counts.
 * Nothing is visible to anyone until the caller commits; any error leaves nothing behind.
 */
export async function loadBatchInTransaction(
  trx: Knex.Transaction,
  batch: WarehouseBatch,
  onStep: LoadStepHook = () => {},
): Promise<LoadResult> {
  const { batchId } = batch;
  const src = batch.source;
  const claim = await trx.raw<RawResult>(
    'INSERT INTO load_ledger (batch_id, staged_keys, source_topic, source_partition, first_offset, ' +
      'last_offset, received, accepted, rejected, duplicates) ' +
      'VALUES (?, ?::text[], ?, ?, ?::bigint, ?::bigint, ?, ?, ?, ?) ON CONFLICT (batch_id) DO NOTHING',
    [
      batchId,
      [...batch.stagedKeys],
      src?.topic ?? null,
      src?.partition ?? null,
      src?.firstOffset ?? null,
      src?.lastOffset ?? null,
      src?.received ?? null,
      src?.accepted ?? null,
      src?.rejected ?? null,
      src?.duplicates ?? null,
    ],
  );
  if (rowCount(claim) === 0) return { loaded: false, rows: 0 };
  await onStep('claimed', batchId);

  let rows = 0;
  if (batch.events.length > 0) {
    await trx.raw(createStageTableSql(EVENT_STAGE, EVENT_STAGE_COLUMNS));
    await copyRowsIn(trx, EVENT_STAGE, EVENT_STAGE_COLUMNS, batch.events);
    await onStep('staged', batchId);
    await upsertDimensions(trx, batchId);
    await onStep('dimensions', batchId);
    const present = new Set(batch.events.map((e) => e.eventType));
    for (const type of EVENT_TYPES.filter((t) => present.has(t))) {
      rows += await insertFacts(trx, type, batchId);
    }
    await onStep('facts', batchId);
  }

  let attributionRows = 0;
  if (batch.attributions.length > 0) {
    await trx.raw(createStageTableSql(ATTRIBUTION_STAGE, ATTRIBUTION_STAGE_COLUMNS));
    const columns = ATTRIBUTION_STAGE_COLUMNS.map((c) => c.name);
    await copyRowsIn(trx, ATTRIBUTION_STAGE, ATTRIBUTION_STAGE_COLUMNS, batch.attributions);
    // the first attribution of an event wins, as the first accepted event does
    const inserted = await trx.raw<RawResult>(
      `INSERT INTO ${ATTRIBUTION_TABLE} (${columns.join(', ')}, batch_id) ` +
        `SELECT ${columns.join(', ')}, ?::text FROM ${ATTRIBUTION_STAGE} ` +
        'ON CONFLICT (event_type, event_id) DO NOTHING',
      [batchId],
    );
    attributionRows = rowCount(inserted);
    await onStep('attributions', batchId);
  }

  await trx.raw('UPDATE load_ledger SET rows = ?, attribution_rows = ? WHERE batch_id = ?', [
    rows,
    attributionRows,
    batchId,
  ]);
  await onStep('recorded', batchId);
  return { loaded: true, rows };
}

/** The facts of one type, and what they add to the aggregates at the next refresh (010). */
async function insertFacts(trx: Knex.Transaction, type: EventType, batchId: string) {
  const sql = insertFactsWithDeltaSql(
    type,
    FACT_TABLES[type],
    factColumns(type),
    EVENT_STAGE,
    DERIVED_EVENT_COLUMNS,
  );
  const result = await trx.raw<{ rows: { facts: string | number }[] }>(sql, [
    batchId,
    type,
    batchId,
  ]);
  return result.rows.reduce((n, r) => n + Number(r.facts), 0);
}

/**
 * Insert-only, in key order: a load never updates (so never locks) a dimension row another load
 * may hold, and two loads adding the same new keys take their locks in the same order.
 */
async function upsertDimensions(trx: Knex.Transaction, batchId: string): Promise<void> {
  await trx.raw(`
    INSERT INTO dim_date (date_key, calendar_date, year, quarter, month, day_of_month,
                          iso_day_of_week, iso_week, is_weekend)
    SELECT date_key, day, extract(year FROM day)::smallint, extract(quarter FROM day)::smallint,
           extract(month FROM day)::smallint, extract(day FROM day)::smallint,
           extract(isodow FROM day)::smallint, extract(week FROM day)::smallint,
           extract(isodow FROM day) IN (6, 7)
    FROM (SELECT DISTINCT date_key, to_date(date_key::text, 'YYYYMMDD') AS day
          FROM ${EVENT_STAGE}) days
    ORDER BY date_key
    ON CONFLICT (date_key) DO NOTHING`);
  await trx.raw(
    `INSERT INTO dim_campaign (campaign_id, first_batch_id)
     SELECT DISTINCT campaign_id, ?::text FROM ${EVENT_STAGE} ORDER BY campaign_id
     ON CONFLICT (campaign_id) DO NOTHING`,
    [batchId],
  );
  await trx.raw(
    `INSERT INTO dim_publisher (publisher_id, first_batch_id)
     SELECT DISTINCT publisher_id, ?::text FROM ${EVENT_STAGE} WHERE publisher_id IS NOT NULL
     ORDER BY publisher_id
     ON CONFLICT (publisher_id) DO NOTHING`,
    [batchId],
  );
}
