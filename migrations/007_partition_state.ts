import type { Knex } from 'knex';

/**
 * Decider state per co-partitioned group (partition number), so any number of instances share one
 * state database (see README "State layout"):
 * - `partition_lease`: the group's ownership epoch; every commit is conditional on it, and a new
 *   owner takes the next one, so a member that lost the group can no longer commit;
 * - `partition_changelog`: the group's domain events, one row per committed unit of work, in
 *   Avro (adapters/codecs/partition-state-avro.ts), with the clock after it;
 * - `partition_snapshot` + `partition_snapshot_chunk`: the group's latest snapshot, in chunks of
 *   bounded size;
 * - `partition_log_start`: where a trimmed changelog starts (the clock before its first row).
 * The single whole-state snapshot and changelog of 003 are dropped: state in them is not per group
 * and could not be handed over. A deployment upgrading from it starts its groups empty at the
 * stored offsets (dedupe forgets what came before the upgrade).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('state_snapshot');
  await knex.schema.dropTableIfExists('state_changelog');

  await knex.schema.createTable('partition_lease', (t) => {
    t.integer('partition').primary();
    t.bigInteger('epoch').notNullable();
    t.text('owner').notNullable();
    t.timestamp('acquired_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('committed_at', { useTz: true });
  });
  await knex.schema.createTable('partition_changelog', (t) => {
    t.integer('partition').notNullable();
    t.bigInteger('sequence').notNullable();
    t.primary(['partition', 'sequence'], { constraintName: 'partition_changelog_pkey' });
    t.text('batch_id').notNullable();
    t.bigInteger('epoch').notNullable();
    t.integer('events').notNullable();
    // latest event time in the row (null: none carries one): rows wholly behind the state's
    // horizon are trimmed
    t.bigInteger('max_event_time');
    t.binary('body').notNullable();
    t.jsonb('clock').notNullable();
    t.timestamp('committed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('partition_snapshot', (t) => {
    t.integer('partition').primary();
    // every changelog entry up to this sequence is in the snapshot
    t.bigInteger('sequence').notNullable();
    t.bigInteger('epoch').notNullable();
    t.integer('chunks').notNullable();
    t.bigInteger('bytes').notNullable();
    t.timestamp('taken_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('partition_snapshot_chunk', (t) => {
    t.integer('partition').notNullable();
    t.bigInteger('sequence').notNullable();
    t.integer('chunk').notNullable();
    t.primary(['partition', 'sequence', 'chunk'], {
      constraintName: 'partition_snapshot_chunk_pkey',
    });
    t.binary('body').notNullable();
  });
  await knex.schema.createTable('partition_log_start', (t) => {
    t.integer('partition').primary();
    // the changelog holds the rows after this sequence
    t.bigInteger('after_sequence').notNullable();
    t.jsonb('clock').notNullable();
  });

  await knex.raw(
    'GRANT SELECT, INSERT, UPDATE, DELETE ON partition_lease, partition_changelog, ' +
      'partition_snapshot, partition_snapshot_chunk, partition_log_start TO adx_loader',
  );
  // who owns which group, and since when; the changelog and snapshots hold pseudonymized user ids
  // and are the service's alone
  await knex.raw('GRANT SELECT ON partition_lease, partition_snapshot TO adx_auditor');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'partition_log_start',
    'partition_snapshot_chunk',
    'partition_snapshot',
    'partition_changelog',
    'partition_lease',
  ])
    await knex.schema.dropTableIfExists(table);
  // the single-snapshot tables of 003, empty
  await knex.schema.createTable('state_changelog', (t) => {
    t.bigIncrements('sequence').primary();
    t.text('batch_id').notNullable();
    t.json('event').notNullable();
    t.timestamp('committed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['batch_id'], 'state_changelog_batch_idx');
  });
  await knex.schema.createTable('state_snapshot', (t) => {
    t.bigInteger('sequence').primary();
    t.text('batch_id').notNullable();
    t.text('data').notNullable();
    t.timestamp('taken_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}
