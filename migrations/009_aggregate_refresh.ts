import type { Knex } from 'knex';
import { grantTables, revokeTables } from './access';

/**
 * `aggregate_refresh`: one row, the last refresh of the materialized views by any member — when it
 * committed and which loads it covered (the ledger's entry count and newest `loaded_at`, read in
 * the refresh's transaction before the views were). Every member compares it with the ledger on
 * its timer, so loads are refreshed even when the member that made them died; the refresh and
 * this row commit together, under an advisory lock (adapters/warehouse/aggregate-refresh-sql.ts).
 * The count is what catches a load that committed after a refresh with an older `loaded_at` (its
 * transaction began first). Readers see the row so `adx report` can say how fresh the views are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('aggregate_refresh', (t) => {
    t.boolean('id').primary().defaultTo(true);
    t.timestamp('refreshed_at', { useTz: true }).notNullable();
    t.bigInteger('covers_batches').notNullable();
    // null: the ledger was empty
    t.timestamp('covers_loaded_at', { useTz: true });
  });
  await knex.raw(
    'ALTER TABLE aggregate_refresh ADD CONSTRAINT aggregate_refresh_one_row CHECK (id)',
  );
  await grantTables(knex, 'adx_loader', ['SELECT', 'INSERT', 'UPDATE'], ['aggregate_refresh']);
  await grantTables(knex, 'adx_analyst', ['SELECT'], ['aggregate_refresh']);
  await grantTables(knex, 'adx_auditor', ['SELECT'], ['aggregate_refresh']);
}

export async function down(knex: Knex): Promise<void> {
  await revokeTables(knex, 'adx_auditor', ['SELECT'], ['aggregate_refresh']);
  await revokeTables(knex, 'adx_analyst', ['SELECT'], ['aggregate_refresh']);
  await revokeTables(knex, 'adx_loader', ['SELECT', 'INSERT', 'UPDATE'], ['aggregate_refresh']);
  await knex.schema.dropTableIfExists('aggregate_refresh');
}
