import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PrometheusMetrics } from '../../adapters/metrics/prometheus-metrics';
import { exposedMetricNames } from '../monitoring/dashboard-checks';
import {
  allPanels,
  expandSql,
  metricNames,
  promTargets,
  readDashboard,
  sqlTargets,
  type Panel,
} from '../support/grafana-dashboard';
import { OPS } from '../support/monitoring-config';

/**
 * The dashboard's shape, as Grafana 10+ imports and provisions it (no Grafana here: the live
 * queries run in test/monitoring against Prometheus and the warehouse).
 */
const dashboard = readDashboard();
const panels = allPanels(dashboard);
const rows = dashboard.panels.filter((p) => p.type === 'row');
const CORE_PANEL_TYPES = ['row', 'timeseries', 'stat', 'table', 'gauge', 'bargauge', 'text'];

/** panels between a row and the next one */
function rowPanels(title: string): Panel[] {
  const start = dashboard.panels.findIndex((p) => p.type === 'row' && p.title === title);
  const rest = dashboard.panels.slice(start + 1);
  const end = rest.findIndex((p) => p.type === 'row');
  return end === -1 ? rest : rest.slice(0, end);
}

describe('Grafana dashboard (ops/grafana/dashboards/adx-pipeline.json)', () => {
  it('is a Grafana 10+ dashboard model: uid, title, schema version, unique panel ids', () => {
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title.length).toBeGreaterThan(0);
    // 38 is Grafana 10.0's; newer Grafanas migrate older models forward, never back
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(38);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) expect(CORE_PANEL_TYPES).toContain(p.type);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const p of panels) {
      const { x, y, w, h } = p.gridPos;
      expect(x >= 0 && w > 0 && x + w <= 24 && h > 0 && y >= 0).toBe(true);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`)).toBe(false);
          cells.add(`${i},${j}`);
        }
    }
  });

  it('has a pipeline row over Prometheus and a campaign row over the warehouse', () => {
    expect(rows.map((r) => r.title)).toEqual(['Pipeline', 'Campaigns']);
    const titles = (row: string) => rowPanels(row).map((p) => p.title);
    for (const t of [
      'Throughput by source',
      'Rejects by reason',
      'Duplicates dropped',
      'Consumer lag',
      'Freshness (p95)',
      'Stage durations (p95)',
      'Errors by component',
    ])
      expect(titles('Pipeline')).toContain(t);
    for (const t of ['CTR', 'CVR', 'CPA', 'ROAS', 'Win rate'])
      expect(titles('Campaigns')).toContain(t);
    for (const p of rowPanels('Pipeline'))
      for (const t of p.targets ?? []) expect(t.expr).toEqual(expect.any(String));
    for (const p of rowPanels('Campaigns'))
      for (const t of p.targets ?? []) expect(t.rawSql).toEqual(expect.any(String));
  });

  it('names its data sources by a Prometheus variable and the provisioned warehouse uid', () => {
    const variable = dashboard.templating.list.find((v) => v.name === 'prometheus');
    expect(variable).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const provisioned = parse(
      readFileSync(join(OPS, 'grafana', 'provisioning', 'datasources', 'advertisex.yml'), 'utf8'),
    ) as { datasources: { uid: string; type: string }[] };
    const warehouse = provisioned.datasources.find((d) => d.type === 'postgres');
    for (const p of panels.filter((q) => q.type !== 'row')) {
      const refs = [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)];
      const sql = (p.targets ?? []).some((t) => t.rawSql);
      for (const ref of refs)
        expect(ref).toEqual(
          sql
            ? { type: 'postgres', uid: warehouse?.uid }
            : { type: 'prometheus', uid: '${prometheus}' },
        );
      const refIds = (p.targets ?? []).map((t) => t.refId);
      expect(refIds.length).toBeGreaterThan(0);
      expect(new Set(refIds).size).toBe(refIds.length);
    }
  });

  it('queries only metrics the service exposes', async () => {
    const exposed = exposedMetricNames(await new PrometheusMetrics().expose());
    const used = promTargets(dashboard).flatMap((t) => metricNames(t.expr));
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it('expands Grafana SQL macros and variables as Grafana does', () => {
    const range = { from: Date.UTC(2026, 10, 26, 0), to: Date.UTC(2026, 10, 26, 6) };
    const sql = sqlTargets(dashboard)[0]?.sql ?? '';
    const expanded = expandSql(sql, range, { campaign: ['cmp-001', "o'brien"] });
    expect(expanded).toContain(
      "hour_start BETWEEN '2026-11-26T00:00:00Z' AND '2026-11-26T06:00:00Z'",
    );
    expect(expanded).toContain("campaign_id IN ('cmp-001','o''brien')");
    expect(expanded).not.toMatch(/\$/);
    const daily = sqlTargets(dashboard).find((t) => t.sql.includes('$__timeFrom()'))?.sql ?? '';
    expect(expandSql(daily, range, { campaign: ['cmp-001'] })).toContain(
      "calendar_date BETWEEN '2026-11-26T00:00:00Z'::date AND '2026-11-26T06:00:00Z'::date",
    );
  });
});
