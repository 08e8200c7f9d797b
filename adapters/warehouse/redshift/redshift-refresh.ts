import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AggregatesFreshness, RefreshOutcome } from '../../../ports';
import { MATERIALIZED_VIEWS } from '../fact-tables';
import { toSafeInteger } from '../sql-numbers';

/**
 * Migration 009's `aggregate_refresh` in Redshift's dialect. Redshift runs each REFRESH
 * MATERIALIZED VIEW as a transaction of its own, so the record cannot commit with the views as on
 * Postgres. Instead a member first claims the refresh (under LOCK, with the ledger's count and
 * newest load as that transaction saw them, refreshed_at NULL), refreshes, then stamps its own
 * claim only. A claim that matches the ledger makes the others skip, stamped or not: one member
 * refreshes at a time, and if the claimant died before stamping, AUTO REFRESH still brings the
 * views up (only the record stays unstamped until the next load is refreshed).
 */
export const AGGREGATE_REFRESH_DDL = `CREATE TABLE IF NOT EXISTS aggregate_refresh (
  claim VARCHAR(36) NOT NULL,
  refreshed_at TIMESTAMPTZ,
  covers_batches BIGINT NOT NULL,
  covers_loaded_at TIMESTAMPTZ
)
DISTSTYLE ALL`;

type Rows<T> = { rows: T[] };
interface FreshnessRow {
  refreshed_ms: number | string | null;
  covers_ms: number | string | null;
  covers_batches: number | string;
}

const FRESHNESS = `SELECT DATE_PART(epoch, refreshed_at) * 1000 AS refreshed_ms,
  DATE_PART(epoch, covers_loaded_at) * 1000 AS covers_ms, covers_batches FROM aggregate_refresh`;

const MATCHES_LEDGER = `SELECT COUNT(*) AS n FROM aggregate_refresh r,
  (SELECT COUNT(*) AS batches, MAX(loaded_at) AS newest FROM load_ledger) l
WHERE r.covers_batches = l.batches
  AND (r.covers_loaded_at = l.newest OR (r.covers_loaded_at IS NULL AND l.newest IS NULL))`;

function toFreshness(row: FreshnessRow | undefined): AggregatesFreshness | undefined {
  if (!row || row.refreshed_ms === null) return undefined;
  return {
    refreshedAt: Math.floor(Number(row.refreshed_ms)),
    coversLoadsUpTo: row.covers_ms === null ? undefined : Math.floor(Number(row.covers_ms)),
    coversBatches: toSafeInteger(row.covers_batches, 'covers_batches'),
  };
}

export async function redshiftFreshness(knex: Knex): Promise<AggregatesFreshness | undefined> {
  const result = await knex.raw<Rows<FreshnessRow>>(FRESHNESS);
  return toFreshness(result.rows[0]);
}

const count = async (knex: Knex, sql: string): Promise<number> =>
  toSafeInteger((await knex.raw<Rows<{ n: unknown }>>(sql)).rows[0]?.n, 'n');

export async function redshiftRefresh(knex: Knex): Promise<RefreshOutcome> {
  const claim = randomUUID();
  const claimed = await knex.transaction(async (trx) => {
    await trx.raw('LOCK aggregate_refresh');
    const rows = await count(trx, 'SELECT COUNT(*) AS n FROM aggregate_refresh');
    const empty = (await count(trx, 'SELECT COUNT(*) AS n FROM load_ledger')) === 0;
    if ((rows === 0 && empty) || (await count(trx, MATCHES_LEDGER)) > 0) return false;
    await trx.raw('DELETE FROM aggregate_refresh');
    await trx.raw(
      `INSERT INTO aggregate_refresh (claim, refreshed_at, covers_batches, covers_loaded_at)
       SELECT ?, NULL, COUNT(*), MAX(loaded_at) FROM load_ledger`,
      [claim],
    );
    return true;
  });
  if (!claimed) return { status: 'current', freshness: await redshiftFreshness(knex) };
  for (const view of MATERIALIZED_VIEWS) await knex.raw(`REFRESH MATERIALIZED VIEW ${view}`);
  await knex.raw('UPDATE aggregate_refresh SET refreshed_at = GETDATE() WHERE claim = ?', [claim]);
  const freshness = await redshiftFreshness(knex);
  // another member claimed after us: its record stands, our refresh only helped
  return freshness
    ? { status: 'refreshed', freshness }
    : { status: 'current', freshness: undefined };
}
