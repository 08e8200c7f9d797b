import { EVENT_TYPES, type EventType } from '../../../domain';
import type { WarehouseBatch } from '../../../ports';
import { ATTRIBUTION_TABLE, FACT_TABLES, factColumns } from '../fact-tables';
import { ATTRIBUTION_STAGE_COLUMNS } from '../stage-rows';
import {
  controlPrefix,
  s3Url,
  type CopyManifest,
  type RedshiftS3Config,
} from './redshift-manifest';
import {
  CSV_STAGE_COLUMNS,
  DERIVED_STAGE_COLUMNS,
  STAGE_COLUMNS,
  type StageKind,
} from './redshift-stage';

/** A string as a Redshift literal. Batch ids and keys are ours, but quote them properly anyway. */
export const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export const jsonpathsKey = (config: RedshiftS3Config, kind: StageKind): string =>
  `${controlPrefix(config)}/jsonpaths/${kind}.jsonpaths`;

const stageOf = (table: string) => `stage_${table}`;
const kindOf = (table: string): StageKind =>
  table === ATTRIBUTION_TABLE ? 'attribution' : 'event';

const typeOf = (table: string): EventType | undefined =>
  EVENT_TYPES.find((t) => FACT_TABLES[t] === table);

function copyStatement(m: CopyManifest, config: RedshiftS3Config): string {
  const kind = kindOf(m.table);
  const columns = m.format === 'csv' ? CSV_STAGE_COLUMNS : STAGE_COLUMNS[kind].map((c) => c.name);
  const format =
    m.format === 'csv'
      ? "FORMAT AS CSV TIMEFORMAT 'auto' EMPTYASNULL"
      : `FORMAT AS JSON ${literal(s3Url(config, jsonpathsKey(config, kind)))}`;
  return [
    `COPY ${stageOf(m.table)}_raw (${columns.join(', ')})`,
    `FROM ${literal(s3Url(config, m.key))}`,
    `IAM_ROLE ${literal(config.iamRoleArn)}`,
    ...(config.region ? [`REGION ${literal(config.region)}`] : []),
    `${format} GZIP MANIFEST`,
  ].join('\n');
}

const EVENT_TIME_FROM_MS = (ms: string) =>
  `TIMESTAMP 'epoch' + (${ms} / 1000) * INTERVAL '1 second' + (${ms} % 1000) * INTERVAL '1 millisecond'`;

/** Target columns and the expression filling each from the deduplicated stage `s`. */
function targetColumns(table: string, batchId: string): [string, string][] {
  const type = typeOf(table);
  const names = type ? factColumns(type) : ATTRIBUTION_STAGE_COLUMNS.map((c) => c.name);
  const value = (column: string) =>
    column === 'date_key' ? "CAST(TO_CHAR(s.event_time, 'YYYYMMDD') AS INTEGER)" : `s.${column}`;
  return [...names.map((c): [string, string] => [c, value(c)]), ['batch_id', literal(batchId)]];
}

/**
 * Per table: COPY into a raw stage, fill the time column the staged format lacks, keep the first
 * row per key that is not in the target yet (first accepted wins, as on Postgres), then MERGE.
 * After that filter nothing can match, so WHEN MATCHED (which Redshift's MERGE requires) is a
 * no-op by construction — it rewrites a matched row with its own value.
 */
function tableStatements(m: CopyManifest, config: RedshiftS3Config, batchId: string): string[] {
  const stage = stageOf(m.table);
  const kind = kindOf(m.table);
  const key = kind === 'attribution' ? ['event_type', 'event_id'] : ['event_id'];
  const on = key.map((k) => `${m.table}.${k} = s.${k}`).join(' AND ');
  const columns = targetColumns(m.table, batchId);
  const stageColumns = [
    ...STAGE_COLUMNS[kind].map((c) => `${c.name} ${c.type}`),
    ...DERIVED_STAGE_COLUMNS[kind],
  ];
  return [
    `CREATE TEMP TABLE ${stage}_raw (${stageColumns.join(', ')})`,
    copyStatement(m, config),
    `UPDATE ${stage}_raw SET event_time = ${EVENT_TIME_FROM_MS('event_time_ms')} WHERE event_time IS NULL`,
    `UPDATE ${stage}_raw SET event_time_ms = DATEDIFF(ms, TIMESTAMP 'epoch', event_time) WHERE event_time_ms IS NULL`,
    ...(kind === 'attribution'
      ? [
          `UPDATE ${stage}_raw SET touch_event_time = ${EVENT_TIME_FROM_MS('touch_event_time_ms')} WHERE touch_event_time_ms IS NOT NULL`,
        ]
      : []),
    `CREATE TEMP TABLE ${stage} AS
SELECT * FROM (
  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY ${key.map((k) => `r.${k}`).join(', ')} ORDER BY r.event_time_ms) AS first_seen
  FROM ${stage}_raw r
) s
WHERE first_seen = 1
  AND NOT EXISTS (SELECT 1 FROM ${m.table} WHERE ${on})`,
    `MERGE INTO ${m.table}
USING ${stage} s
ON ${on}
WHEN MATCHED THEN UPDATE SET batch_id = ${m.table}.batch_id
WHEN NOT MATCHED THEN INSERT (${columns.map(([c]) => c).join(', ')})
VALUES (${columns.map(([, e]) => e).join(', ')})`,
  ];
}

export interface RedshiftLoadPlan {
  /** run first, inside the transaction: serializes loads, then tells whether this one is done */
  readonly claim: readonly string[];
  readonly ledgerCheck: string;
  /** COPY, dedupe and MERGE per staged table, then dimensions */
  readonly statements: readonly string[];
  /** one row, column `rows`: fact rows this load inserted (read before the ledger insert) */
  readonly countRows: string;
  readonly countAttributions: string;
  ledgerInsert(rows: number, attributionRows: number): string;
}

/** The whole load of one batch from its manifests (see copyManifests). */
export function redshiftLoadPlan(
  batch: WarehouseBatch,
  manifests: readonly CopyManifest[],
  config: RedshiftS3Config,
): RedshiftLoadPlan {
  const id = literal(batch.batchId);
  const factStages = manifests.filter((m) => typeOf(m.table)).map((m) => stageOf(m.table));
  const attributionStages = manifests.filter((m) => !typeOf(m.table)).map((m) => stageOf(m.table));
  const count = (stages: string[]) =>
    stages.length === 0
      ? 'SELECT 0 AS rows'
      : `SELECT ${stages.map((s) => `(SELECT COUNT(*) FROM ${s})`).join(' + ')} AS rows`;
  const dims = factStages.length === 0 ? [] : dimensionStatements(factStages, id);
  return {
    // Redshift has no ON CONFLICT: a table lock makes check-then-insert atomic across loads
    claim: ['LOCK load_ledger'],
    ledgerCheck: `SELECT COUNT(*) AS found FROM load_ledger WHERE batch_id = ${id}`,
    statements: [...manifests.flatMap((m) => tableStatements(m, config, batch.batchId)), ...dims],
    countRows: count(factStages),
    countAttributions: count(attributionStages),
    ledgerInsert: (rows, attributionRows) =>
      'INSERT INTO load_ledger (batch_id, rows, attribution_rows, staged_keys) ' +
      `VALUES (${id}, ${rows}, ${attributionRows}, JSON_PARSE(${literal(JSON.stringify(batch.stagedKeys))}))`,
  };
}

function dimensionStatements(stages: string[], id: string): string[] {
  const union = (column: string) =>
    stages.map((s) => `SELECT ${column} FROM ${s} WHERE ${column} IS NOT NULL`).join(' UNION ');
  const newKeys = (dim: string) => `INSERT INTO dim_${dim} (${dim}_id, first_batch_id)
SELECT k.${dim}_id, ${id} FROM (${union(`${dim}_id`)}) k
WHERE NOT EXISTS (SELECT 1 FROM dim_${dim} d WHERE d.${dim}_id = k.${dim}_id)`;
  return [
    `INSERT INTO dim_date (date_key, calendar_date, year, quarter, month, day_of_month, iso_day_of_week, iso_week, is_weekend)
SELECT k.date_key, k.day, DATE_PART(year, k.day), DATE_PART(quarter, k.day), DATE_PART(month, k.day),
       DATE_PART(day, k.day), DATE_PART(dow, k.day) + CASE WHEN DATE_PART(dow, k.day) = 0 THEN 7 ELSE 0 END,
       DATE_PART(week, k.day), DATE_PART(dow, k.day) IN (0, 6)
FROM (SELECT DISTINCT CAST(TO_CHAR(event_time, 'YYYYMMDD') AS INTEGER) AS date_key,
             TRUNC(event_time) AS day FROM (${stages.map((s) => `SELECT event_time FROM ${s}`).join(' UNION ALL ')}) e) k
WHERE NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date_key = k.date_key)`,
    newKeys('campaign'),
    newKeys('publisher'),
  ];
}
