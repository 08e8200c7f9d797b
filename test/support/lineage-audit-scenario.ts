/**
 * Lineage and audit over a real pipeline run: the embedded service (BatchPipeline, PostgresUnitOfWork
 * on PGlite and on PostgreSQL, lineage in the load's transaction) processes 30,000 simulated records into a PGlite
 * directory or a PostgreSQL database; then `adx lineage trace` follows a sample event of every type back to its Kafka
 * coordinates, batch, staged object and table, `adx audit conservation` passes, and after one
 * loaded fact row is deleted (and, separately, one ledger count changed) it fails naming the batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { EventTrace, SourceTrace } from '../../adapters/lineage/audit-queries';
import { PostgresLineageLog } from '../../adapters/lineage/postgres-lineage-log';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { EVENT_TYPES, isConserved } from '../../domain';
import { conservation } from '../../src/cli/audit-command';
import {
  lineageBatch,
  lineageDataset,
  lineageTrace,
  lineageTraceSource,
} from '../../src/cli/lineage-command';
import { serve, type ServeResult } from '../../src/cli/serve';
import { loadConfig, type AppConfig } from '../../src/config/config';
import { createTestDatabase, type TestDatabase } from './postgres';

// conversions follow clicks by 30 s or more of event time (5 ms apart): fewer records have none
const EVENTS = 30_000;
const FACTS = {
  impression: 'fact_impression',
  click: 'fact_click',
  conversion: 'fact_conversion',
  bid_request: 'fact_bid_request',
} as const;

interface StoppedRow {
  readonly reason: string;
  readonly step: string;
  readonly source_topic: string;
  readonly source_partition: number;
  readonly source_offset: string;
  readonly batch_id: string;
  readonly event_id: string | null;
}

/** The whole scenario on one engine: PGlite (memory suite) or PostgreSQL (integration suite). */
export function lineageAuditScenario(engine: 'pglite' | 'postgres'): void {
  describe(`lineage and audit over an embedded run on ${engine}`, () => {
    let dir: string;
    let database: TestDatabase | undefined;
    let config: AppConfig;
    let run: ServeResult;
    let lineageMs = 0;
    let runMs = 0;

    const withDb = async <T>(body: (knex: Knex) => Promise<T>): Promise<T> => {
      const knex = database
        ? createPostgresKnex({ connectionString: database.url, poolMax: 1 })
        : await openPgliteKnex({ dataDir: dir });
      try {
        return await body(knex);
      } finally {
        await knex.destroy();
      }
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'adx-lineage-'));
      if (engine === 'postgres') database = await createTestDatabase('lineage', { migrated: true });
      config = loadConfig({
        ADX_HTTP_PORT: '0',
        ADX_PROGRESS_INTERVAL: '1h',
        ADX_SIM_USERS: '3000',
        ...(database
          ? { ADX_WAREHOUSE: 'postgres', DATABASE_URL: database.url }
          : { ADX_WAREHOUSE: 'pglite', ADX_PGLITE_DIR: dir }),
      });
      // the cost of lineage: time spent writing steps inside the load transactions
      const appendIn = PostgresLineageLog.prototype.appendIn;
      jest.spyOn(PostgresLineageLog.prototype, 'appendIn').mockImplementation(async function (
        this: PostgresLineageLog,
        trx,
        steps,
      ) {
        const t = performance.now();
        await appendIn.call(this, trx, steps);
        lineageMs += performance.now() - t;
      });
      const t = performance.now();
      run = await serve(config, { events: EVENTS, seed: 11 });
      runMs = performance.now() - t;
    }, 180_000);
    afterAll(async () => {
      jest.restoreAllMocks();
      lineageMs = 0;
      if (dir) rmSync(dir, { recursive: true, force: true });
      await database?.drop();
    });

    it('records the eight steps of every loaded batch, and each stopped record, in the load transaction', async () => {
      expect(run.service.totals.received).toBe(EVENTS);
      expect(isConserved(run.service.totals)).toBe(true);
      const { batches, missing, flushes, bytes, stopped, stoppedBytes } = await withDb(
        async (knex) => {
          const b = await knex.raw<{ rows: { n: string }[] }>(
            'SELECT count(*) AS n FROM load_ledger WHERE source_topic IS NOT NULL',
          );
          const m = await knex.raw<{ rows: { n: string }[] }>(
            'SELECT count(*) AS n FROM load_ledger l WHERE source_topic IS NOT NULL AND ' +
              '(SELECT count(*) FROM lineage_step s WHERE s.batch_id = l.batch_id) <> 8',
          );
          // the end-of-input flush reads no source: attribute, stage and load of what it released
          const flush = await knex.raw<{ rows: { batch_id: string; steps: string[] }[] }>(
            `SELECT l.batch_id, array(SELECT s.step FROM lineage_step s WHERE s.batch_id = l.batch_id
             ORDER BY s.step) AS steps
           FROM load_ledger l WHERE source_topic IS NULL`,
          );
          const size = await knex.raw<{ rows: { bytes: string; batches: string }[] }>(
            'SELECT sum(pg_column_size(s.*)) AS bytes, count(DISTINCT batch_id) AS batches FROM lineage_step s',
          );
          const stoppedSize = await knex.raw<{ rows: { bytes: string; n: string }[] }>(
            'SELECT sum(pg_column_size(r.*)) AS bytes, count(*) AS n FROM lineage_stopped_record r',
          );
          const row = size.rows[0];
          return {
            batches: Number(b.rows[0]?.n),
            missing: Number(m.rows[0]?.n),
            flushes: flush.rows,
            bytes: Number(row?.bytes) / Number(row?.batches),
            stopped: Number(stoppedSize.rows[0]?.n),
            stoppedBytes: Number(stoppedSize.rows[0]?.bytes),
          };
        },
      );
      expect(batches).toBeGreaterThan(0);
      expect(missing).toBe(0);
      expect(flushes.length).toBeGreaterThan(0);
      for (const f of flushes) expect(f.steps).toEqual(['attribute', 'load', 'stage']);
      const t = run.service.totals;
      expect(stopped).toBe(t.rejected + t.duplicates);
      // measured cost, quoted in the README
      process.stdout.write(
        `lineage cost (${engine}): ${batches} batches, ${Math.round(bytes)} bytes of lineage steps per batch, ` +
          `${stopped} stopped records of ${Math.round(stoppedBytes / Math.max(1, stopped))} bytes each, ` +
          `${lineageMs.toFixed(0)} ms of ${runMs.toFixed(0)} ms (${((100 * lineageMs) / runMs).toFixed(2)}%) writing it\n`,
      );
    });

    it('traces a sample event of every type back to its Kafka offset, batch, staged object and table', async () => {
      const samples = await withDb(async (knex) => {
        const found: Record<
          string,
          {
            event_id: string;
            batch_id: string;
            source_topic: string;
            source_partition: number;
            source_offset: string;
          }
        > = {};
        for (const type of EVENT_TYPES) {
          const [row] = (await knex(FACTS[type])
            .select('event_id', 'batch_id', 'source_topic', 'source_partition', 'source_offset')
            .orderBy('event_id')
            .limit(1)) as (typeof found)[string][];
          if (row) found[type] = row;
        }
        return found;
      });
      expect(Object.keys(samples).sort()).toEqual([...EVENT_TYPES].sort());
      for (const type of EVENT_TYPES) {
        const sample = samples[type];
        if (!sample) throw new Error(`no ${type}`);
        const result = await lineageTrace(config, sample.event_id, true);
        expect(result.exitCode).toBe(0);
        const trace = JSON.parse(result.output) as EventTrace;
        expect(trace).toMatchObject({
          found: true,
          table: FACTS[type],
          eventType: type,
          batchId: sample.batch_id,
          kafka: {
            topic: sample.source_topic,
            partition: Number(sample.source_partition),
            offset: String(sample.source_offset),
          },
        });
        expect(trace.stagedKeys?.length).toBe(1);
        expect(trace.stagedKeys?.[0]).toContain(`staging/${FACTS[type]}/dt=`);
        expect(trace.stagedKeys?.[0]).toContain(sample.batch_id);
        expect(trace.steps?.map((s) => s.step)).toEqual([
          'ingest',
          'validate',
          'normalize',
          'dedupe',
          'attribute',
          'stage',
          'load',
          'publish',
        ]);
        expect(trace.steps?.[0]?.inputs[0]).toMatch(
          new RegExp(
            `^kafka://${sample.source_topic.replace(/\./g, '\\.')}/${sample.source_partition}/`,
          ),
        );
        if (type === 'click' || type === 'conversion') {
          expect(trace.attribution?.model).toEqual(expect.any(String));
        }
        const text = await lineageTrace(config, sample.event_id);
        expect(text.output).toContain(
          `${sample.source_topic}/${sample.source_partition}@${sample.source_offset}`,
        );
        expect(text.output).toContain(sample.batch_id);
        expect(text.output).toContain(FACTS[type]);
      }
      // by Kafka coordinates: a loaded record leads to its row; one without a row (rejected or a
      // duplicate) to the batch that read it and why records stopped there
      const imp = samples.impression as {
        event_id: string;
        source_topic: string;
        source_partition: number;
        source_offset: string;
      };
      const bySource = await lineageTraceSource(
        config,
        `${imp.source_topic}/${imp.source_partition}/${imp.source_offset}`,
        true,
      );
      expect((JSON.parse(bySource.output) as { event: EventTrace }).event.eventId).toBe(
        imp.event_id,
      );
      const stopped = await withDb(async (knex) => {
        const { rows } = await knex.raw<{
          rows: { topic: string; partition: number; offset: string; batch_id: string }[];
        }>(
          `SELECT l.source_topic AS topic, l.source_partition AS partition, o::text AS offset, l.batch_id
         FROM load_ledger l, generate_series(l.first_offset, l.last_offset) o
         WHERE l.source_topic IS NOT NULL AND l.rejected + l.duplicates > 0 AND NOT EXISTS (
           SELECT 1 FROM (SELECT source_topic, source_partition, source_offset FROM fact_impression
             UNION ALL SELECT source_topic, source_partition, source_offset FROM fact_click
             UNION ALL SELECT source_topic, source_partition, source_offset FROM fact_conversion
             UNION ALL SELECT source_topic, source_partition, source_offset FROM fact_bid_request) f
           WHERE f.source_topic = l.source_topic AND f.source_partition = l.source_partition
             AND f.source_offset = o)
         LIMIT 1`,
        );
        return rows[0];
      });
      if (!stopped) throw new Error('no rejected or duplicate record');
      const rejected = await lineageTraceSource(
        config,
        `${stopped.topic}/${stopped.partition}/${stopped.offset}`,
      );
      expect(rejected.exitCode).toBe(0);
      expect(rejected.output).toContain('no fact row');
      expect(rejected.output).toContain(`in batch ${stopped.batch_id}`);
      expect(rejected.output).toMatch(/stopped at (validate|dedupe)/);

      // each kind of stop, by its coordinates: the step, the reason and, for a duplicate, the
      // loaded event it repeated
      const kinds = await withDb(
        async (knex) =>
          (
            await knex.raw<{ rows: StoppedRow[] }>(
              `SELECT DISTINCT ON (reason) reason, step, source_topic, source_partition,
                      source_offset::text AS source_offset, batch_id, event_id
               FROM lineage_stopped_record ORDER BY reason, source_offset`,
            )
          ).rows,
      );
      expect(kinds.map((k) => k.reason)).toContain('duplicate');
      expect(kinds.length).toBeGreaterThan(2);
      for (const k of kinds) {
        const at = `${k.source_topic}/${k.source_partition}/${k.source_offset}`;
        const trace = JSON.parse(
          (await lineageTraceSource(config, at, true)).output,
        ) as SourceTrace;
        expect(trace.stopped).toMatchObject({
          reason: k.reason,
          step:
            k.reason === 'duplicate' || k.reason === 'late_beyond_retention'
              ? 'dedupe'
              : 'validate',
          batchId: k.batch_id,
        });
        expect(trace.event).toBeUndefined();
        if (k.reason === 'duplicate') {
          expect(trace.duplicateOf).toMatchObject({ found: true, eventId: k.event_id });
          // the loaded original is a different record than the dropped copy
          expect(trace.duplicateOf?.kafka).not.toEqual(trace.kafka);
          const byId = JSON.parse(
            (await lineageTrace(config, String(k.event_id), true)).output,
          ) as EventTrace;
          expect(byId.stopped?.map((r) => `${r.topic}/${r.partition}/${r.offset}`)).toContain(at);
          const text = await lineageTraceSource(config, at);
          expect(text.output).toContain(
            `duplicate of ${trace.duplicateOf?.eventType} ${k.event_id}`,
          );
        } else {
          const text = await lineageTraceSource(config, at);
          expect(text.output).toContain(
            `stopped at ${trace.stopped?.step} in batch ${k.batch_id}: ${k.reason}`,
          );
          expect(text.output).toContain('dead-letter topic');
        }
      }

      // by event id, an event that never loaded: the rejected record that claimed it, and why
      const claimed = await withDb(async (knex) => {
        const { rows } = await knex.raw<{ rows: { event_id: string; reason: string }[] }>(
          `SELECT s.event_id, s.reason FROM lineage_stopped_record s
           WHERE s.reason <> 'duplicate' AND s.event_id IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM (SELECT event_id FROM fact_impression UNION ALL SELECT event_id FROM fact_click
               UNION ALL SELECT event_id FROM fact_conversion UNION ALL SELECT event_id FROM fact_bid_request) f
             WHERE f.event_id = s.event_id)
           ORDER BY s.event_id LIMIT 1`,
        );
        return rows[0];
      });
      if (!claimed) throw new Error('no rejected record claiming an id that never loaded');
      const never = await lineageTrace(config, claimed.event_id);
      expect(never.exitCode).toBe(0);
      expect(never.output).toContain(`event ${claimed.event_id}: never loaded`);
      expect(never.output).toContain(`: ${claimed.reason}`);

      const missing = await lineageTrace(config, 'no-such-event');
      expect(missing.exitCode).toBe(1);
      expect(missing.output).toContain('not in any fact table');

      const batch = await lineageBatch(
        config,
        (samples.impression as { batch_id: string }).batch_id,
      );
      expect(batch.exitCode).toBe(0);
      expect(batch.output).toContain('received=');
      const dataset = await lineageDataset(config, 'fact_click', {}, true);
      const feeds = (JSON.parse(dataset.output) as { feeds: { batchId: string }[] }).feeds;
      expect(feeds.map((f) => f.batchId)).toContain(
        (samples.click as { batch_id: string }).batch_id,
      );
    }, 300_000); // each call opens the warehouse: seconds on a busy machine

    it('passes audit conservation, and fails it naming the batch once a loaded row is tampered with', async () => {
      const clean = await conservation(config, {});
      expect(clean.exitCode).toBe(0);
      expect(clean.output).toMatch(/conserved/);

      const victim = await withDb(async (knex) => {
        const [row] = (await knex('fact_impression').select('event_id', 'batch_id').limit(1)) as {
          event_id: string;
          batch_id: string;
        }[];
        if (!row) throw new Error('no impression');
        await knex('fact_impression').where({ event_id: row.event_id }).delete();
        return row.batch_id;
      });
      const tampered = await conservation(config, {});
      expect(tampered.exitCode).toBe(1);
      expect(tampered.output).toContain(`MISMATCH batch ${victim}`);
      const json = JSON.parse((await conservation(config, { json: true })).output) as {
        mismatches: { batchId: string }[];
      };
      expect(json.mismatches.map((m) => m.batchId)).toEqual([victim]);

      // a ledger count changed (received no longer = accepted + rejected + duplicates)
      const other = await withDb(async (knex) => {
        const [row] = (await knex('load_ledger')
          .select('batch_id')
          .whereNotNull('source_topic')
          .whereNot({ batch_id: victim })
          .limit(1)) as { batch_id: string }[];
        if (!row) throw new Error('no other batch');
        await knex('load_ledger').where({ batch_id: row.batch_id }).increment('received', 1);
        return row.batch_id;
      });
      const both = await conservation(config, {});
      expect(both.exitCode).toBe(1);
      expect(both.output).toContain(`MISMATCH batch ${victim}`);
      expect(both.output).toContain(`MISMATCH batch ${other}`);

      // a stopped record removed: the batch no longer accounts for each of its records
      const third = await withDb(async (knex) => {
        const [row] = (await knex('lineage_stopped_record')
          .select('batch_id', 'source_topic', 'source_partition', 'source_offset')
          .whereNotIn('batch_id', [victim, other])
          .limit(1)) as Record<string, unknown>[];
        if (!row) throw new Error('no stopped record in another batch');
        await knex('lineage_stopped_record').where(row).delete();
        return String(row.batch_id);
      });
      const all = await conservation(config, {});
      expect(all.exitCode).toBe(1);
      expect(all.output).toContain(`MISMATCH batch ${third}`);
    }, 300_000); // each call opens the warehouse: seconds on a busy machine
  });
}
