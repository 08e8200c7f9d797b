import type { Knex } from 'knex';

/**
 * Lineage and audit: `lineage_step` holds one row per transformation of each batch (written in the
 * load's transaction, so lineage never claims a load that did not happen), and three views the
 * auditor role reads:
 * - `audit_batch`: each batch's ledger row with its lineage steps;
 * - `audit_conservation`: per batch, received = accepted + rejected + duplicates, and the fact
 *   rows carrying the batch id equal its accepted count;
 * - `audit_dataset`: per fact table, day and campaign, which batches and Kafka ranges fed it.
 */
const FACTS = ['fact_impression', 'fact_click', 'fact_conversion', 'fact_bid_request'];

const ATTRIBUTION_TRACE_COLUMNS = [
  'model',
  'touch_event_type',
  'touch_event_id',
  'touch_event_time',
  'late',
];

const factRowsPerBatch = FACTS.map(
  (t) => `SELECT batch_id, count(*)::bigint AS n FROM ${t} GROUP BY batch_id`,
).join('\n    UNION ALL\n    ');

const datasetRows = FACTS.map(
  (t) =>
    `SELECT '${t}'::text AS table_name, date_key, campaign_id, batch_id, source_topic, ` +
    `source_partition, min(source_offset) AS min_offset, max(source_offset) AS max_offset, ` +
    `count(*)::bigint AS rows FROM ${t} GROUP BY date_key, campaign_id, batch_id, source_topic, source_partition`,
).join('\n  UNION ALL\n  ');

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lineage_step', (t) => {
    t.text('batch_id').notNullable();
    t.text('step').notNullable();
    t.primary(['batch_id', 'step'], { constraintName: 'lineage_step_pkey' });
    t.specificType('inputs', 'text[]').notNullable().defaultTo('{}');
    t.specificType('outputs', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('counts').notNullable().defaultTo('{}');
    t.jsonb('rule_versions').notNullable().defaultTo('{}');
    t.bigInteger('at_ms').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.raw(`
CREATE VIEW audit_batch AS
SELECT l.batch_id, l.source_topic, l.source_partition, l.first_offset, l.last_offset,
       l.received, l.accepted, l.rejected, l.duplicates, l.rows, l.attribution_rows,
       l.staged_keys, l.loaded_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('step', s.step, 'inputs', to_jsonb(s.inputs),
                  'outputs', to_jsonb(s.outputs), 'counts', s.counts,
                  'ruleVersions', s.rule_versions, 'at', s.at_ms) ORDER BY s.at_ms, s.step)
                 FROM lineage_step s WHERE s.batch_id = l.batch_id), '[]'::jsonb) AS steps
FROM load_ledger l`);

  await knex.raw(`
CREATE VIEW audit_conservation AS
SELECT l.batch_id, l.source_topic, l.source_partition, l.first_offset, l.last_offset,
       l.received, l.accepted, l.rejected, l.duplicates,
       coalesce(f.loaded, 0)::bigint AS loaded_rows, l.loaded_at,
       (l.received IS NOT DISTINCT FROM l.accepted + l.rejected + l.duplicates
        AND coalesce(f.loaded, 0) = coalesce(l.accepted, 0)) AS conserved
FROM load_ledger l
LEFT JOIN (
  SELECT batch_id, sum(n)::bigint AS loaded FROM (
    ${factRowsPerBatch}
  ) per_fact GROUP BY batch_id
) f ON f.batch_id = l.batch_id
WHERE l.source_topic IS NOT NULL`);

  await knex.raw(`
CREATE VIEW audit_dataset AS
  ${datasetRows}`);

  // what `adx lineage trace` reads besides 002's lineage columns: still nothing about the user
  for (const fact of FACTS) {
    await knex.raw(`GRANT SELECT (date_key, campaign_id) ON ${fact} TO adx_auditor`);
  }
  await knex.raw(
    `GRANT SELECT (${ATTRIBUTION_TRACE_COLUMNS.join(', ')}) ON fact_attribution TO adx_auditor`,
  );
  await knex.raw('GRANT SELECT, INSERT, UPDATE, DELETE ON lineage_step TO adx_loader');
  await knex.raw(
    'GRANT SELECT ON lineage_step, audit_batch, audit_conservation, audit_dataset TO adx_auditor',
  );
}

export async function down(knex: Knex): Promise<void> {
  for (const fact of FACTS) {
    await knex.raw(`REVOKE SELECT (date_key, campaign_id) ON ${fact} FROM adx_auditor`);
  }
  await knex.raw(
    `REVOKE SELECT (${ATTRIBUTION_TRACE_COLUMNS.join(', ')}) ON fact_attribution FROM adx_auditor`,
  );
  await knex.raw('DROP VIEW IF EXISTS audit_dataset');
  await knex.raw('DROP VIEW IF EXISTS audit_conservation');
  await knex.raw('DROP VIEW IF EXISTS audit_batch');
  await knex.schema.dropTableIfExists('lineage_step');
}
