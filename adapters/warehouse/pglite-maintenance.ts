import type { Knex } from 'knex';

/**
 * Housekeeping a long-running PGlite needs and a Postgres server does by itself. PGlite is one
 * backend in single-user mode, for the life of the process, so:
 *
 * - **No autovacuum.** Every load updates its ledger and intent rows, the state store rewrites
 *   offsets, leases and snapshot chunks and deletes its trimmed changelog, and every load's stage
 *   table leaves dead rows in pg_class, pg_attribute and pg_type. Without VACUUM none of that space
 *   is reused: the files (and every scan of them) only grow. A database-wide VACUUM is cheap for the
 *   insert-only facts (their pages are all-visible after the first pass) and covers the catalogs.
 *
 * - **The catalog cache never shrinks.** Each load creates its stage table afresh (new OIDs), and
 *   planning over it leaves negative catalog-cache entries keyed by those OIDs (statistics looked
 *   up and not found) that nothing ever removes: CacheMemoryContext grew ~5 KB a load, 16 MB in the
 *   soak's first two minutes, inside WASM memory, which never shrinks. Postgres has no SQL command
 *   to reset its caches; it resets them all when a backend falls behind the shared invalidation
 *   queue (4,096 messages, storage/ipc/sinvaladt.c). One committed transaction that creates and
 *   drops enough temporary tables overflows the queue, and the next statement starts with empty
 *   caches; the freed entries are reused, so the context stops growing.
 */
export interface PgliteMaintenanceOptions {
  /**
   * reset the catalog caches once CacheMemoryContext uses more than this (default 8 MB): in use,
   * not allocated, since a context keeps its blocks after a reset (as free space, reused)
   */
  readonly cacheResetBytes?: number;
}

export interface MaintenanceReport {
  readonly vacuumMs: number;
  /** CacheMemoryContext's bytes in use before, in bytes */
  readonly cacheBytes: number;
  readonly cacheReset: boolean;
}

/** 200 create + drop pairs of a four-column table: well over 4,096 invalidation messages */
const OVERFLOW_INVALIDATION_QUEUE = `
DO $$
BEGIN
  FOR i IN 1..200 LOOP
    EXECUTE format('CREATE TEMPORARY TABLE adx_cache_reset_%s (a int, b int, c int, d int)', i);
    EXECUTE format('DROP TABLE adx_cache_reset_%s', i);
  END LOOP;
END $$`;

/** CacheMemoryContext's size: allocated (blocks, never given back) and in use (entries) */
export async function cacheMemoryBytes(knex: Knex): Promise<{ total: number; used: number }> {
  const r = await knex.raw<{ rows: { total: string | null; used: string | null }[] }>(
    `SELECT sum(total_bytes)::text AS total, sum(used_bytes)::text AS used
       FROM pg_backend_memory_contexts WHERE name = 'CacheMemoryContext'`,
  );
  return { total: Number(r.rows[0]?.total ?? 0), used: Number(r.rows[0]?.used ?? 0) };
}

/** overflows the invalidation queue so that every catalog and relation cache entry is dropped */
export async function resetCatalogCaches(knex: Knex): Promise<void> {
  await knex.transaction(async (trx) => {
    await trx.raw(OVERFLOW_INVALIDATION_QUEUE);
  });
  // the reset happens when the backend next reads the queue: at the next statement
  await knex.raw('SELECT 1');
}

/** VACUUM (outside a transaction, as it must be), then a cache reset if the cache is bloated */
export async function maintainPglite(
  knex: Knex,
  options: PgliteMaintenanceOptions = {},
): Promise<MaintenanceReport> {
  const started = performance.now();
  await knex.raw('VACUUM');
  const vacuumMs = performance.now() - started;
  const cacheBytes = (await cacheMemoryBytes(knex)).used;
  const cacheReset = cacheBytes > (options.cacheResetBytes ?? 8 * 2 ** 20);
  if (cacheReset) await resetCatalogCaches(knex);
  return { vacuumMs, cacheBytes, cacheReset };
}
