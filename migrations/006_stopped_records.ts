import type { Knex } from 'knex';

/**
 * Per-record lineage for records that left no fact row: `lineage_stopped_record` holds, for every
 * rejected or duplicate source record, its Kafka coordinates, the step that stopped it and why
 * (written in the load's transaction, with the batch's steps). `audit_conservation` then also
 * checks that a batch's stopped records number its rejected + duplicates — for batches whose
 * lineage says it records them (rule version `lineage` >= 2), so batches loaded before this
 * migration still audit clean.
 */
const FACTS = ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request'];

const factRowsPerBatch = FACTS.map(
  (t) => `SELECT batch_id, count(*)::bigint AS n FROM ${t} GROUP BY batch_id`,
).join('\n    UNION ALL\n    ');

const conservationView = (withStopped: boolean): string => `
CREATE OR REPLACE VIEW audit_conservation AS
SELECT l.batch_id, l.source_topic, l.source_partition, l.first_offset, l.last_offset,
       l.received, l.accepted, l.rejected, l.duplicates,
       coalesce(f.loaded, 0)::bigint AS loaded_rows, l.loaded_at,
       (l.received IS NOT DISTINCT FROM l.accepted + l.rejected + l.duplicates
        AND coalesce(f.loaded, 0) = coalesce(l.accepted, 0)${
          withStopped
            ? `
        AND (NOT r.recorded
             OR coalesce(s.stopped, 0) = coalesce(l.rejected, 0) + coalesce(l.duplicates, 0))`
            : ''
        }) AS conserved${
          withStopped
            ? `,
       CASE WHEN r.recorded THEN coalesce(s.stopped, 0)::bigint END AS stopped_records`
            : ''
        }
FROM load_ledger l
LEFT JOIN (
  SELECT batch_id, sum(n)::bigint AS loaded FROM (
    ${factRowsPerBatch}
  ) per_fact GROUP BY batch_id
) f ON f.batch_id = l.batch_id${
  withStopped
    ? `
LEFT JOIN (
  SELECT batch_id, count(*)::bigint AS stopped FROM lineage_stopped_record GROUP BY batch_id
) s ON s.batch_id = l.batch_id
CROSS JOIN LATERAL (
  SELECT EXISTS (
    SELECT 1 FROM lineage_step ls
    WHERE ls.batch_id = l.batch_id AND ls.step = 'validate'
      AND (ls.rule_versions->>'lineage')::int >= 2
  ) AS recorded
) r`
    : ''
}
WHERE l.source_topic IS NOT NULL`;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lineage_stopped_record', (t) => {
    t.text('source_topic').notNullable();
    t.integer('source_partition').notNullable();
    t.bigInteger('source_offset').notNullable();
    // a record stops once: a retried batch rewrites the same rows
    t.primary(['source_topic', 'source_partition', 'source_offset'], {
      constraintName: 'lineage_stopped_record_pkey',
    });
    t.text('batch_id').notNullable().index('lineage_stopped_record_batch');
    t.text('step').notNullable();
    t.text('reason').notNullable();
    t.text('field_path').notNullable().defaultTo('');
    t.text('detail').notNullable().defaultTo('');
    t.text('event_type');
    t.text('event_id').index('lineage_stopped_record_event');
  });
  await knex.raw(conservationView(true));
  await knex.raw('GRANT SELECT, INSERT, UPDATE, DELETE ON lineage_stopped_record TO adx_loader');
  await knex.raw('GRANT SELECT ON lineage_stopped_record TO adx_auditor');
}

export async function down(knex: Knex): Promise<void> {
  // CREATE OR REPLACE cannot drop the added column: rebuild 005's view
  await knex.raw('DROP VIEW IF EXISTS audit_conservation');
  await knex.raw(conservationView(false));
  await knex.raw('GRANT SELECT ON audit_conservation TO adx_auditor');
  await knex.schema.dropTableIfExists('lineage_stopped_record');
}
