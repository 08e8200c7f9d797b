import type { AppConfig } from '../config/config';

/**
 * OpenLineage dataset namespaces, after its naming conventions
 * (https://openlineage.io/docs/spec/naming): Kafka `kafka://{host}:{port}` + topic, S3
 * `s3://{bucket}` + object key, Postgres `postgres://{host}:{port}` + `{database}.{schema}.{table}`.
 * Named this way, our datasets are the same datasets other tools report for that cluster, bucket or
 * database. The embedded run's in-process bus, store and warehouse have no address: `memory://` and
 * `pglite://` name them.
 */
export interface DatasetNamespaces {
  readonly source: string;
  readonly staging: string;
  readonly warehouse: string;
  /** `{database}.{schema}.` for Postgres; '' where tables need no qualifier */
  readonly tablePrefix: string;
}

export const EMBEDDED_NAMESPACES: DatasetNamespaces = {
  source: 'memory://source',
  staging: 'memory://staging',
  warehouse: 'memory://warehouse',
  tablePrefix: '',
};

const hostPort = (url: URL, defaultPort: string): string =>
  `${url.hostname}:${url.port || defaultPort}`;

/** Postgres: `postgres://host:port` and `database.schema.` (search_path from `options`, else public). */
function postgresNamespace(
  databaseUrl: string,
): Pick<DatasetNamespaces, 'warehouse' | 'tablePrefix'> {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const searchPath = /search_path=([^\s,]+)/.exec(url.searchParams.get('options') ?? '');
  const schema = searchPath?.[1] ?? 'public';
  return {
    warehouse: `postgres://${hostPort(url, '5432')}`,
    tablePrefix: `${database}.${schema}.`,
  };
}

export function datasetNamespaces(
  config: Pick<AppConfig, 'profile' | 'kafka' | 's3' | 'warehouse'>,
): DatasetNamespaces {
  const broker = config.profile === 'real' ? config.kafka?.brokers[0] : undefined;
  const { kind, databaseUrl, pgliteDir } = config.warehouse;
  const warehouse =
    kind === 'postgres' && databaseUrl
      ? postgresNamespace(databaseUrl)
      : kind === 'pglite'
        ? { warehouse: pgliteDir ? `pglite://${pgliteDir}` : 'pglite://memory', tablePrefix: '' }
        : { warehouse: EMBEDDED_NAMESPACES.warehouse, tablePrefix: '' };
  return {
    source: broker ? `kafka://${broker}` : EMBEDDED_NAMESPACES.source,
    staging: config.s3 ? `s3://${config.s3.bucket}` : EMBEDDED_NAMESPACES.staging,
    ...warehouse,
  };
}
