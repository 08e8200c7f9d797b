/**
 * Migration 005's lineage table and audit views: adx_auditor reads them (and never writes), the
 * analyst cannot read them; the views agree with the loads. On PostgreSQL and PGlite.
 */
import { PostgresLineageLog } from '../../adapters/lineage/postgres-lineage-log';
import {
  auditConservation,
  batchLineage,
  datasetFeeds,
  traceEvent,
} from '../../adapters/lineage/audit-queries';
import { SqlWarehouse } from '../../adapters/warehouse/sql-warehouse';
import {
  ENGINES,
  openEngine,
  sampleBatches,
  type EngineHarness,
  asRole,
} from '../support/postgres';

describe.each(ENGINES)('lineage and audit views on %s', (engine) => {
  let harness: EngineHarness;
  const batches = sampleBatches('audit', 2, 30).map((b, i) => ({
    ...b,
    source: {
      topic: 'impressions',
      partition: i,
      firstOffset: '0',
      lastOffset: '31',
      received: 32,
      accepted: 30,
      rejected: 1,
      duplicates: 1,
    },
  }));
  beforeAll(async () => {
    harness = await openEngine(engine, 'lineage_access');
    const warehouse = new SqlWarehouse(harness.knex);
    for (const batch of batches) await warehouse.loadBatch(batch);
    await new PostgresLineageLog(harness.knex).append({
      steps: [
        {
          batchId: batches[0]!.batchId,
          step: 'load',
          inputs: ['s3://x'],
          outputs: ['table:fact_impression'],
          counts: { accepted: 30 },
          ruleVersions: { code: 't' },
          at: 1,
        },
      ],
      stopped: [],
    });
  });
  afterAll(() => harness?.close());

  const as = (role: string, sql: string): Promise<string> => asRole(harness.knex, role, sql);
  const denied = expect.stringMatching(/permission denied/);

  it('auditors read lineage_step and the audit views; analysts do not; nobody but the loader writes', async () => {
    for (const view of [
      'lineage_step',
      'lineage_stopped_record',
      'audit_batch',
      'audit_conservation',
      'audit_dataset',
    ]) {
      expect(await as('adx_auditor', `SELECT * FROM ${view}`)).toBe('ok');
      expect(await as('adx_analyst', `SELECT * FROM ${view}`)).toEqual(denied);
    }
    expect(await as('adx_auditor', "DELETE FROM lineage_step WHERE batch_id = 'x'")).toEqual(
      denied,
    );
    expect(
      await as('adx_auditor', "DELETE FROM lineage_stopped_record WHERE batch_id = 'x'"),
    ).toEqual(denied);
  });

  it('auditors can run the lineage queries (trace, batch, dataset, conservation)', async () => {
    const click = batches.flatMap((b) => b.events).find((e) => e.eventType === 'click');
    if (!click) throw new Error('no click in the sample');
    const trace = await harness.knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL ROLE adx_auditor');
      const t = await traceEvent(trx, click.eventId);
      await batchLineage(trx, batches[0]!.batchId);
      await datasetFeeds(trx, 'fact_click');
      await auditConservation(trx);
      return t;
    });
    expect(trace).toMatchObject({
      found: true,
      table: 'fact_click',
      attribution: { model: 'lookback' },
    });
  });

  it('audit views agree with the loads', async () => {
    const report = await auditConservation(harness.knex);
    expect(report).toMatchObject({ batches: 2, conserved: true, mismatches: [] });
    expect(report.partitions.map((p) => p.loadedRows)).toEqual([30, 30]);
    const b = await batchLineage(harness.knex, batches[0]!.batchId);
    expect(b.ledger).toMatchObject({ received: 32, accepted: 30, rows: 30 });
    expect(b.steps.map((s) => s.step)).toEqual(['load']);
    const feeds = await datasetFeeds(harness.knex, 'fact_click');
    expect(feeds.reduce((n, f) => n + f.rows, 0)).toBe(
      batches.flatMap((x) => x.events).filter((e) => e.eventType === 'click').length,
    );
    await expect(datasetFeeds(harness.knex, 'load_ledger')).rejects.toThrow(/unknown table/);
  });
});
