import type { Knex } from 'knex';
import {
  batchLineage,
  datasetFeeds,
  traceEvent,
  traceSource,
  type BatchLineage,
  type EventTrace,
} from '../../adapters/lineage/audit-queries';
import type { StoppedRecord } from '../../ports';
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import { openPgliteKnex } from '../../adapters/warehouse/pglite-knex';
import { ConfigError, type AppConfig } from '../config/config';
import { databaseSettingsProblem } from '../config/connection-problems';

/** The SQL warehouse the audit commands read: Postgres at DATABASE_URL, or PGlite in ADX_PGLITE_DIR. */
export async function openAuditKnex(config: AppConfig, command: string): Promise<Knex> {
  const { kind, databaseUrl, pgliteDir } = config.warehouse;
  if (kind === 'pglite' && pgliteDir) return openPgliteKnex({ dataDir: pgliteDir });
  if (databaseUrl) return createPostgresKnex({ connectionString: databaseUrl, poolMax: 2 });
  throw new ConfigError(
    `invalid configuration:\n  DATABASE_URL (Postgres) or ADX_PGLITE_DIR with ADX_WAREHOUSE=pglite: required by ${command}`,
  );
}

export async function withAuditKnex<T>(
  config: AppConfig,
  command: string,
  body: (knex: Knex) => Promise<T>,
): Promise<T> {
  const knex = await openAuditKnex(config, command);
  try {
    return await body(knex);
  } catch (error) {
    throw databaseSettingsProblem(error) ?? error;
  } finally {
    await knex.destroy();
  }
}

export function formatBatch(b: BatchLineage): string {
  const lines = [`batch ${b.batchId}`];
  const l = b.ledger;
  if (!l) lines.push('  not in load_ledger: never loaded');
  else {
    lines.push(
      `  source   kafka://${l.topic ?? '-'}/${l.partition ?? '-'}/${l.firstOffset ?? '-'}-${l.lastOffset ?? '-'}`,
      `  counts   received=${l.received} accepted=${l.accepted} rejected=${l.rejected} duplicates=${l.duplicates}`,
      `  loaded   ${l.rows} fact rows, ${l.attributionRows} attribution rows at ${l.loadedAt}`,
      ...l.stagedKeys.map((k) => `  staged   s3://${k}`),
    );
  }
  if (b.steps.length === 0) lines.push('  no lineage steps recorded');
  for (const s of b.steps) {
    lines.push(
      `  ${s.step.padEnd(9)} ${s.inputs.join(', ')} -> ${s.outputs.join(', ')}  ${JSON.stringify(s.counts)}`,
    );
  }
  if (b.steps[0]) lines.push(`  rules    ${JSON.stringify(b.steps[0].ruleVersions)}`);
  return lines.join('\n');
}

/** `stopped at dedupe in batch B: duplicate — click c-1 was already accepted` */
export function formatStopped(r: StoppedRecord): string {
  const field = r.path ? ` (field ${r.path})` : '';
  return `${r.topic}/${r.partition}@${r.offset} stopped at ${r.step} in batch ${r.batchId}: ${r.reason}${field} — ${r.detail}`;
}

export function formatTrace(t: EventTrace): string {
  if (!t.found) {
    if (t.stopped && t.stopped.length > 0)
      return [
        `event ${t.eventId}: never loaded`,
        ...t.stopped.map((r) => `  stopped  ${formatStopped(r)}`),
      ].join('\n');
    return `event ${t.eventId}: not in any fact table (never loaded: rejected, a duplicate, or not yet processed)`;
  }
  const lines = [
    `event ${t.eventId} (${t.eventType}, ${t.eventTime}, campaign ${t.campaignId})`,
    `  kafka    ${t.kafka?.topic}/${t.kafka?.partition}@${t.kafka?.offset} format=${t.format} schema=${t.schemaId ?? '-'}`,
    `  batch    ${t.batchId}`,
    ...(t.stagedKeys ?? []).map((k) => `  staged   s3://${k}`),
    `  row      ${t.table} event_id=${t.eventId}`,
    `  steps    ${(t.steps ?? []).map((s) => s.step).join(' -> ')}`,
  ];
  if (t.attribution !== undefined && t.attribution !== null) {
    const a = t.attribution;
    lines.push(
      `  attributed by ${a.model}${a.late ? ' (late)' : ''} to ${
        a.touch
          ? `${a.touch.eventType} ${a.touch.eventId} at ${a.touch.eventTime}`
          : 'nothing (no touch)'
      } in batch ${a.batchId}`,
    );
  } else if (t.eventType === 'click' || t.eventType === 'conversion') {
    lines.push('  attribution: none recorded yet');
  }
  for (const r of t.stopped ?? []) lines.push(`  dropped  ${formatStopped(r)}`);
  lines.push(`  rules    ${JSON.stringify(t.ruleVersions ?? {})}`);
  return lines.join('\n');
}

export type LineageResult = { output: string; exitCode: number };

export async function lineageBatch(
  config: AppConfig,
  batchId: string,
  json = false,
): Promise<LineageResult> {
  return withAuditKnex(config, 'adx lineage', async (knex) => {
    const b = await batchLineage(knex, batchId);
    const missing = b.ledger === null && b.steps.length === 0;
    return {
      output: json ? JSON.stringify(b) : formatBatch(b),
      exitCode: missing ? 1 : 0,
    };
  });
}

export async function lineageTrace(
  config: AppConfig,
  eventId: string,
  json = false,
): Promise<LineageResult> {
  return withAuditKnex(config, 'adx lineage', async (knex) => {
    const t = await traceEvent(knex, eventId);
    // exit 0 when the trace can say where the event is or where it stopped
    const known = t.found || (t.stopped?.length ?? 0) > 0;
    return { output: json ? JSON.stringify(t) : formatTrace(t), exitCode: known ? 0 : 1 };
  });
}

export async function lineageDataset(
  config: AppConfig,
  table: string,
  filter: { date?: string; campaign?: string },
  json = false,
): Promise<LineageResult> {
  return withAuditKnex(config, 'adx lineage', async (knex) => {
    const feeds = await datasetFeeds(knex, table, filter);
    if (json) return { output: JSON.stringify({ table, ...filter, feeds }), exitCode: 0 };
    if (feeds.length === 0) return { output: `${table}: no rows`, exitCode: 0 };
    const lines = feeds.map(
      (f) =>
        `${f.date}  ${f.campaignId.padEnd(12)} ${f.batchId}  kafka://${f.kafka.topic}/${f.kafka.partition}/${f.kafka.minOffset}-${f.kafka.maxOffset}  ${f.rows} rows`,
    );
    return { output: [`${table}: ${feeds.length} feeds`, ...lines].join('\n'), exitCode: 0 };
  });
}

/** `adx lineage trace --source topic/partition/offset`: for records that left no fact row too. */
export async function lineageTraceSource(
  config: AppConfig,
  source: string,
  json = false,
): Promise<LineageResult> {
  const m = /^(.+)\/(\d+)\/(\d+)$/.exec(source);
  if (!m) throw new Error(`--source: expected topic/partition/offset, got '${source}'`);
  const [, topic, partition, offset] = m as unknown as [string, string, string, string];
  return withAuditKnex(config, 'adx lineage', async (knex) => {
    const t = await traceSource(knex, topic, Number(partition), offset);
    const found = t.event !== undefined || t.stopped !== undefined || t.stoppedIn !== undefined;
    if (json) return { output: JSON.stringify(t), exitCode: found ? 0 : 1 };
    if (t.event) return { output: formatTrace(t.event), exitCode: 0 };
    if (t.stopped) {
      const lines = [`record ${source}: no fact row`, `  stopped  ${formatStopped(t.stopped)}`];
      if (t.stopped.reason !== 'duplicate')
        lines.push(`  the record is on the dead-letter topic under the same coordinates`);
      if (t.duplicateOf) {
        lines.push(
          `  duplicate of ${t.duplicateOf.eventType} ${t.duplicateOf.eventId}, loaded from ` +
            `${t.duplicateOf.kafka?.topic}/${t.duplicateOf.kafka?.partition}@${t.duplicateOf.kafka?.offset} ` +
            `in batch ${t.duplicateOf.batchId} into ${t.duplicateOf.table}`,
        );
      }
      return { output: lines.join('\n'), exitCode: 0 };
    }
    if (t.stoppedIn) {
      const s = t.stoppedIn;
      return {
        output: [
          `record ${source}: no fact row — rejected (to the dead-letter topic) or a duplicate`,
          `  read in batch ${s.batchId}: rejected=${s.rejected} duplicates=${s.duplicates}`,
          `  rejections by reason ${JSON.stringify(s.rejectedByReason)}`,
        ].join('\n'),
        exitCode: 0,
      };
    }
    return { output: `record ${source}: not in any committed batch`, exitCode: 1 };
  });
}
