import type { Knex } from 'knex';
import type { AggregatesFreshness, RefreshOptions, RefreshOutcome } from '../../ports';
import { toSafeInteger } from './sql-numbers';

/**
 * The refresh of the campaign aggregates (migration 010: totals tables, added to batch by batch)
 * as every member of a deployment runs it (migration 009):
 * under a transaction-scoped advisory lock, so one member refreshes at a time and the others skip
 * instead of queueing behind it; only when the ledger moved since the last refresh by anyone; and
 * recorded in `aggregate_refresh` in the same transaction, so the record never claims more than
 * the views hold. The lock is per schema: two warehouses in one database do not wait on each other.
 */
const LOCK_CLASS = 0x61_64_78_01; // "adx" 1: this key space is the aggregates refresh
const TRY_LOCK = `SELECT pg_try_advisory_xact_lock(${LOCK_CLASS}, hashtext(current_schema())) AS locked`;

/** how often a caller that waits tries the lock again */
const LOCK_RETRY_MS = 100;

const FRESHNESS_COLUMNS = `
  (extract(epoch FROM refreshed_at) * 1000)::float8 AS refreshed_ms,
  (extract(epoch FROM covers_loaded_at) * 1000)::float8 AS covers_ms,
  covers_batches`;

/** current: the last refresh covered every ledger entry (or there is none and the ledger is empty) */
const IS_CURRENT = `
SELECT CASE WHEN r.id IS NULL THEN l.batches = 0
            ELSE r.covers_batches = l.batches AND r.covers_loaded_at IS NOT DISTINCT FROM l.newest
       END AS current
FROM (SELECT count(*)::bigint AS batches, max(loaded_at) AS newest FROM load_ledger) l
LEFT JOIN aggregate_refresh r ON true`;

/** what the refresh will cover, read before the views are: a load committing meanwhile shows next time */
const CLAIM_COVERAGE = `
INSERT INTO aggregate_refresh (id, refreshed_at, covers_batches, covers_loaded_at)
SELECT true, clock_timestamp(), count(*), max(loaded_at) FROM load_ledger
ON CONFLICT (id) DO UPDATE SET covers_batches = EXCLUDED.covers_batches,
                               covers_loaded_at = EXCLUDED.covers_loaded_at`;

const RECORD_REFRESH = `UPDATE aggregate_refresh SET refreshed_at = clock_timestamp() RETURNING ${FRESHNESS_COLUMNS}`;

interface FreshnessRow {
  refreshed_ms: number | string;
  covers_ms: number | string | null;
  covers_batches: number | string;
}
type Rows<T> = { rows: T[] };

function toFreshness(row: FreshnessRow | undefined): AggregatesFreshness | undefined {
  if (!row) return undefined;
  return {
    refreshedAt: Math.floor(Number(row.refreshed_ms)),
    coversLoadsUpTo: row.covers_ms === null ? undefined : Math.floor(Number(row.covers_ms)),
    coversBatches: toSafeInteger(row.covers_batches, 'covers_batches'),
  };
}

export async function readFreshness(knex: Knex): Promise<AggregatesFreshness | undefined> {
  const result = await knex.raw<Rows<FreshnessRow>>(
    `SELECT ${FRESHNESS_COLUMNS} FROM aggregate_refresh`,
  );
  return toFreshness(result.rows[0]);
}

const REFRESH_STATEMENT_TIMEOUT = '10min';

/** One attempt, in a transaction of its own: 'busy' when another member holds the lock. */
async function refreshOnce(knex: Knex): Promise<RefreshOutcome> {
  return knex.transaction(async (trx) => {
    const lock = await trx.raw<Rows<{ locked: boolean }>>(TRY_LOCK);
    if (!lock.rows[0]?.locked) return { status: 'busy' };
    const check = await trx.raw<Rows<{ current: boolean }>>(IS_CURRENT);
    if (check.rows[0]?.current) return { status: 'current', freshness: await readFreshness(trx) };
    await trx.raw(CLAIM_COVERAGE);
    // a refresh adds the delta rows of every load since the last one, which after an outage of
    // the refresher can be many: the sessions' statement_timeout (postgres-policy.ts) is sized for
    // a batch's statements, so this transaction alone gets longer, and still an end
    await trx.raw(`SET LOCAL statement_timeout = '${REFRESH_STATEMENT_TIMEOUT}'`);
    // adds the loads' delta rows to the totals (migration 010), through a SECURITY DEFINER
    // function, so the loader never writes the totals itself; readers see the totals before or
    // after, never a part
    await trx.raw('SELECT adx_apply_aggregate_deltas()');
    const recorded = await trx.raw<Rows<FreshnessRow>>(RECORD_REFRESH);
    return { status: 'refreshed', freshness: toFreshness(recorded.rows[0]) as AggregatesFreshness };
  });
}

/** Tries the lock until it is free or `waitMs` has passed; a member that got it decides. */
export async function refreshAggregatesSql(
  knex: Knex,
  options: RefreshOptions = {},
): Promise<RefreshOutcome> {
  const deadline = Date.now() + (options.waitMs ?? Number.POSITIVE_INFINITY);
  for (;;) {
    const outcome = await refreshOnce(knex);
    const left = deadline - Date.now();
    if (outcome.status !== 'busy' || left <= 0) return outcome;
    await new Promise((resolve) => setTimeout(resolve, Math.min(LOCK_RETRY_MS, left)));
  }
}
