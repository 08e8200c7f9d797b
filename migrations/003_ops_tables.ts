import type { Knex } from 'knex';

/**
 * Operational tables of the exactly-once protocol (see docs/exactly-once.md):
 * - `batch_intent`: a batch is about to cause side effects (written before any of them);
 * - `load_ledger`: a batch whose rows are in the facts (written in the load's transaction);
 * - `consumer_offsets`: where each topic-partition resumes, committed with the decider state;
 * - `state_changelog` + `state_snapshot`: decider state as domain events since the last snapshot.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('batch_intent', (t) => {
    t.text('batch_id').primary();
    t.timestamp('begun_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.integer('attempts').notNullable().defaultTo(1);
    // null: begun but never committed (a crash, or still running) — what an auditor looks for
    t.timestamp('committed_at', { useTz: true });
  });
  await knex.schema.createTable('load_ledger', (t) => {
    t.text('batch_id').primary();
    t.integer('rows').notNullable().defaultTo(0);
    t.integer('attribution_rows').notNullable().defaultTo(0);
    t.specificType('staged_keys', 'text[]').notNullable().defaultTo('{}');
    // the batch's source range and its four counts, written with its rows: an audit can check
    // received = accepted + rejected + duplicates per batch and partition, and that the ranges of
    // a topic-partition tile its offsets with no gap and no overlap
    t.text('source_topic');
    t.integer('source_partition');
    t.bigInteger('first_offset');
    t.bigInteger('last_offset');
    t.integer('received');
    t.integer('accepted');
    t.integer('rejected');
    t.integer('duplicates');
    t.timestamp('loaded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('consumer_offsets', (t) => {
    t.text('topic').notNullable();
    t.integer('partition').notNullable();
    t.primary(['topic', 'partition'], { constraintName: 'consumer_offsets_pkey' });
    // Kafka offsets are int64: BIGINT holds every one, returned to the adapter as text
    t.bigInteger('next_offset').notNullable();
    t.text('batch_id').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('state_changelog', (t) => {
    t.bigIncrements('sequence').primary();
    t.text('batch_id').notNullable();
    // json, not jsonb: jsonb rejects \u0000, which a rejected record's detail may legitimately
    // quote, and json keeps the event's text exactly as the decider wrote it
    t.json('event').notNullable();
    t.timestamp('committed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['batch_id'], 'state_changelog_batch_idx');
  });
  await knex.schema.createTable('state_snapshot', (t) => {
    // the changelog sequence the snapshot covers: every event numbered below it is in `data`
    t.bigInteger('sequence').primary();
    t.text('batch_id').notNullable();
    // text, byte for byte what snapshotOf() produced (jsonb would reformat it)
    t.text('data').notNullable();
    t.timestamp('taken_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.raw(
    'GRANT SELECT, INSERT, UPDATE ON batch_intent, load_ledger, consumer_offsets TO adx_loader',
  );
  await knex.raw('GRANT SELECT, INSERT, DELETE ON state_changelog, state_snapshot TO adx_loader');
  await knex.raw('GRANT USAGE ON SEQUENCE state_changelog_sequence_seq TO adx_loader');
  await knex.raw('GRANT SELECT ON batch_intent, load_ledger, consumer_offsets TO adx_auditor');
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'state_snapshot',
    'state_changelog',
    'consumer_offsets',
    'load_ledger',
    'batch_intent',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
