/**
 * The Grafana dashboard (ops/grafana/dashboards) as the monitoring test reads it: its panels and
 * their queries, and Grafana's macros expanded the way Grafana 10+ expands them, so the queries
 * can run against Prometheus and the warehouse without a Grafana.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPS } from './monitoring-config';

export const DASHBOARD_FILE = join(OPS, 'grafana', 'dashboards', 'adx-pipeline.json');

export interface DataSourceRef {
  readonly type?: string;
  readonly uid?: string;
}

export interface PanelTarget {
  readonly refId: string;
  readonly datasource?: DataSourceRef;
  readonly expr?: string;
  readonly rawSql?: string;
  readonly format?: string;
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: DataSourceRef;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly targets?: PanelTarget[];
  readonly panels?: Panel[];
}

export interface TemplateVariable {
  readonly name: string;
  readonly type: string;
  readonly query: string;
  readonly datasource?: DataSourceRef;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: Panel[];
  readonly templating: { readonly list: TemplateVariable[] };
}

export const readDashboard = (): Dashboard =>
  JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;

/** every panel, those inside collapsed rows included */
export const allPanels = (d: Dashboard): Panel[] =>
  d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

export const promTargets = (d: Dashboard): { panel: string; expr: string }[] =>
  allPanels(d).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.expr)
      .map((t) => ({ panel: p.title, expr: t.expr as string })),
  );

export const sqlTargets = (d: Dashboard): { panel: string; sql: string; format: string }[] =>
  allPanels(d).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => t.rawSql)
      .map((t) => ({ panel: p.title, sql: t.rawSql as string, format: t.format ?? 'time_series' })),
  );

/** $__rate_interval as Grafana computes it at least: four scrape intervals, here a minute */
export const expandPromQL = (expr: string, rateInterval = '1m'): string =>
  expr.replace(/\$__rate_interval|\$\{__rate_interval\}/g, rateInterval);

const quoteSql = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * $__timeFilter(col), $__timeFrom() and $__timeTo() as the PostgreSQL data source expands them
 * (col BETWEEN 'from' AND 'to', RFC 3339 UTC), and multi-value variables as quoted,
 * comma-separated lists.
 */
export function expandSql(
  sql: string,
  range: { from: number; to: number },
  variables: Readonly<Record<string, readonly string[]>>,
): string {
  const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let out = sql
    .replace(
      /\$__timeFilter\(([^)]+)\)/g,
      (_m, column: string) =>
        `${column.trim()} BETWEEN '${iso(range.from)}' AND '${iso(range.to)}'`,
    )
    .replace(/\$__timeFrom\(\)/g, `'${iso(range.from)}'`)
    .replace(/\$__timeTo\(\)/g, `'${iso(range.to)}'`);
  for (const [name, values] of Object.entries(variables))
    out = out.replace(
      new RegExp(`\\$\\{${name}\\}|\\$${name}\\b`, 'g'),
      values.map(quoteSql).join(','),
    );
  return out;
}

/** adx_ metric names a PromQL expression reads */
export const metricNames = (expr: string): string[] => [
  ...new Set([...expr.matchAll(/\badx_[a-z0-9_]+/g)].map((m) => m[0])),
];

/** relations a SQL query reads (FROM / JOIN) */
export const relationNames = (sql: string): string[] => [
  ...new Set(
    [...sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_.]*)/gi)].map((m) => m[1] as string),
  ),
];
