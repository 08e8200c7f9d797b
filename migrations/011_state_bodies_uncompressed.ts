import type { Knex } from 'knex';

/**
 * The state store's bodies are stored out of line without compression (STORAGE EXTERNAL instead of
 * the bytea default EXTENDED, which pglz-compresses every value above ~2 KB). Every unit of work
 * writes one changelog row inside its commit: about 115 bytes of Avro per record, 230 KB for a
 * batch of 2,000. pglz saved a third of it (3.92 → 2.63 MB over 30 such batches) and cost Postgres
 * 8.4–12.2 ms an insert against 2.9–3.2 ms without (2026-12-03, this machine, four runs each), on
 * the commit path of every batch. The space matters little: the changelog is trimmed behind
 * each snapshot, and a snapshot is a few chunks per group. Rows written before this keep their
 * compressed form; both read the same.
 */
const BODIES = [
  ['partition_changelog', 'body'],
  ['partition_snapshot_chunk', 'body'],
] as const;

export async function up(knex: Knex): Promise<void> {
  for (const [table, column] of BODIES)
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN ${column} SET STORAGE EXTERNAL`);
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, column] of BODIES)
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN ${column} SET STORAGE EXTENDED`);
}
