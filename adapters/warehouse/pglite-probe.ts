import type { PGlite } from '@electric-sql/pglite';

/**
 * What the embedded warehouse holds in memory, for the soak benchmark: the WASM linear memory
 * (Postgres's shared buffers, its malloc heap and stack; it grows and never shrinks), Postgres's
 * own memory contexts, and the largest relations on disk. Read through the open instances that
 * openPgliteKnex registers, because the benchmark only sees the service, not its connection.
 */
const open = new Set<PGlite>();

export function registerPglite(pglite: PGlite): void {
  open.add(pglite);
}

/** the PGlite instances open in this process (usually none or one); closed ones are forgotten */
export function openPglites(): readonly PGlite[] {
  for (const pglite of open) if (pglite.closed) open.delete(pglite);
  return [...open];
}

/** bytes of WASM linear memory, from the Emscripten module PGlite keeps (not in its typings) */
export function pgliteWasmBytes(pglite: PGlite): number | undefined {
  const mod = (pglite as unknown as { mod?: { wasmMemory?: { buffer: ArrayBufferLike } } }).mod;
  return mod?.wasmMemory?.buffer.byteLength;
}

export interface PgliteMemoryReport {
  readonly wasmBytes?: number;
  /** sum of Postgres's memory contexts (what it has malloc'ed, in use or free in its contexts) */
  readonly contextBytes?: number;
  /** the largest memory contexts by name (summed over contexts of that name) */
  readonly contexts: readonly { readonly name: string; readonly bytes: number }[];
  /** the largest relations by pg_total_relation_size (table + indexes + TOAST) */
  readonly relations: readonly {
    readonly name: string;
    readonly bytes: number;
    readonly rows: number;
  }[];
}

/**
 * The report; a query that fails (e.g. it landed inside a transaction knex is rolling back) leaves
 * its part out rather than failing the benchmark.
 */
export async function pgliteMemoryReport(pglite: PGlite, top = 6): Promise<PgliteMemoryReport> {
  const wasmBytes = pgliteWasmBytes(pglite);
  let contextBytes: number | undefined;
  let relations: PgliteMemoryReport['relations'] = [];
  let contexts: PgliteMemoryReport['contexts'] = [];
  try {
    const r = await pglite.query<{ bytes: string }>(
      'SELECT sum(total_bytes)::text AS bytes FROM pg_backend_memory_contexts',
    );
    contextBytes = Number(r.rows[0]?.bytes ?? 0);
    const c = await pglite.query<{ name: string; bytes: string }>(
      `SELECT name, sum(total_bytes)::text AS bytes FROM pg_backend_memory_contexts
        GROUP BY name ORDER BY sum(total_bytes) DESC LIMIT 4`,
    );
    contexts = c.rows.map((row) => ({ name: row.name, bytes: Number(row.bytes) }));
    const s = await pglite.query<{ name: string; bytes: string; rows: string }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid)::text AS bytes,
              c.reltuples::bigint::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
        ORDER BY pg_total_relation_size(c.oid) DESC LIMIT $1`,
      [top],
    );
    relations = s.rows.map((row) => ({
      name: row.name,
      bytes: Number(row.bytes),
      rows: Number(row.rows),
    }));
  } catch {
    // best effort: the next sample tries again
  }
  return {
    ...(wasmBytes !== undefined ? { wasmBytes } : {}),
    ...(contextBytes !== undefined ? { contextBytes } : {}),
    relations,
    contexts,
  };
}
