import type { WarehouseBatch } from '../../../ports';

/** Where the staged objects are, and the role Redshift assumes to read them. */
export interface RedshiftS3Config {
  readonly bucket: string;
  /** IAM role Redshift assumes for COPY (arn:aws:iam::<account>:role/<name>) */
  readonly iamRoleArn: string;
  /** bucket region when it differs from the cluster's */
  readonly region?: string;
  /** key prefix of manifests and JSONPaths files; default `staging/_redshift` */
  readonly controlPrefix?: string;
}

export type StagedFormat = 'json' | 'csv';

/** One COPY's worth of staged objects: one table, one format, one batch. */
export interface CopyManifest {
  readonly table: string;
  readonly format: StagedFormat;
  /** where the manifest itself is put (deterministic: a retry overwrites it) */
  readonly key: string;
  readonly body: string;
  readonly objectKeys: readonly string[];
}

const STAGED_KEY = /^staging\/([a-z_]+)\/dt=\d{4}-\d{2}-\d{2}\/.+\.(ndjson|csv)\.gz$/;

export const controlPrefix = (config: RedshiftS3Config): string =>
  (config.controlPrefix ?? 'staging/_redshift').replace(/\/+$/, '');

export const s3Url = (config: RedshiftS3Config, key: string): string =>
  `s3://${config.bucket}/${key}`;

/**
 * The manifests of a batch, one per table and format, from its staged keys
 * (`staging/<table>/dt=YYYY-MM-DD/<batchId>.<ndjson|csv>.gz`). Every entry is mandatory: COPY fails
 * on a missing object instead of loading a batch with a day missing. Keys that are not staging
 * objects are refused: a manifest must never point COPY at something else.
 */
export function copyManifests(batch: WarehouseBatch, config: RedshiftS3Config): CopyManifest[] {
  const groups = new Map<string, { table: string; format: StagedFormat; keys: string[] }>();
  for (const key of batch.stagedKeys) {
    const match = STAGED_KEY.exec(key);
    if (!match) throw new Error(`not a staging object key: ${key}`);
    const table = match[1] as string;
    const format: StagedFormat = match[2] === 'csv' ? 'csv' : 'json';
    const id = `${table}.${format}`;
    const group = groups.get(id) ?? { table, format, keys: [] };
    group.keys.push(key);
    groups.set(id, group);
  }
  return [...groups.values()]
    .sort((a, b) =>
      a.table === b.table ? (a.format < b.format ? -1 : 1) : a.table < b.table ? -1 : 1,
    )
    .map(({ table, format, keys }) => {
      const sorted = [...keys].sort();
      const entries = sorted.map((key) => ({ url: s3Url(config, key), mandatory: true }));
      return {
        table,
        format,
        key: `${controlPrefix(config)}/manifests/${batch.batchId}/${table}.${format}.manifest`,
        body: JSON.stringify({ entries }, null, 2),
        objectKeys: sorted,
      };
    });
}
