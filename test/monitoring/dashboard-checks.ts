/**
 * The dashboard's queries run for real: each Prometheus query against the Prometheus that scrapes
 * the running service (it must return data), each SQL query against the warehouse as adx_analyst
 * (it must return rows), and every name they use must exist: metrics in the service's /metrics,
 * relations among the warehouse's views.
 */
import { createPostgresKnex } from '../../adapters/postgres/postgres-knex';
import {
  expandPromQL,
  expandSql,
  metricNames,
  promTargets,
  readDashboard,
  relationNames,
  sqlTargets,
} from '../support/grafana-dashboard';
import { promQuery } from '../support/monitoring-stack';

/** metric family names announced by `# TYPE` lines, with a histogram's series names */
export function exposedMetricNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name as string);
    if (type === 'histogram' || type === 'summary')
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

export async function checkDashboardAgainst(stack: {
  prometheusUrl: string;
  exposition: string;
  databaseUrl: string;
}): Promise<void> {
  const dashboard = readDashboard();
  const exposed = exposedMetricNames(stack.exposition);
  const prom = promTargets(dashboard);
  expect(prom.length).toBeGreaterThan(0);
  for (const { panel, expr } of prom) {
    for (const name of metricNames(expr))
      expect({ panel, name, exposed: exposed.has(name) }).toEqual({ panel, name, exposed: true });
    const samples = await promQuery(stack.prometheusUrl, expandPromQL(expr));
    const finite = samples.filter((s) => Number.isFinite(Number(s.value[1])));
    expect({ panel, expr, series: finite.length > 0 }).toEqual({ panel, expr, series: true });
  }

  const knex = createPostgresKnex({ connectionString: stack.databaseUrl, poolMax: 1 });
  try {
    const { rows: views } = (await knex.raw(
      `SELECT matviewname AS name FROM pg_matviews WHERE schemaname = current_schema()
       UNION SELECT viewname FROM pg_views WHERE schemaname = current_schema()`,
    )) as { rows: { name: string }[] };
    const existing = new Set(views.map((v) => v.name));
    const asAnalyst = async <T>(sql: string): Promise<T[]> =>
      knex.transaction(async (trx) => {
        await trx.raw('SET LOCAL ROLE adx_analyst');
        return ((await trx.raw(sql)) as { rows: T[] }).rows;
      });

    const variables: Record<string, string[]> = {};
    for (const v of dashboard.templating.list.filter((t) => t.type === 'query')) {
      for (const name of relationNames(v.query))
        expect({ variable: v.name, name, exists: existing.has(name) }).toEqual({
          variable: v.name,
          name,
          exists: true,
        });
      const rows = await asAnalyst<Record<string, string>>(v.query);
      variables[v.name] = rows.map((r) => String(Object.values(r)[0]));
      expect(variables[v.name]?.length).toBeGreaterThan(0);
    }

    const sql = sqlTargets(dashboard);
    expect(sql.length).toBeGreaterThan(0);
    const range = { from: Date.now() - 6 * 3_600_000, to: Date.now() + 3_600_000 };
    for (const { panel, sql: query, format } of sql) {
      for (const name of relationNames(query))
        expect({ panel, name, exists: existing.has(name) }).toEqual({ panel, name, exists: true });
      const rows = await asAnalyst<Record<string, unknown>>(expandSql(query, range, variables));
      expect({ panel, rows: rows.length > 0 }).toEqual({ panel, rows: true });
      if (format === 'time_series')
        expect(Object.keys(rows[0] as object).sort()).toEqual(['metric', 'time', 'value']);
    }
  } finally {
    await knex.destroy();
  }
}
