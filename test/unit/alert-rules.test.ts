import {
  alertRules,
  ALERTMANAGER_CONFIG,
  readYaml,
  ruleTestFiles,
  type RuleTestFile,
} from '../support/monitoring-config';

/** The alerts the issue asks for; the rules may have more, never fewer. */
const REQUIRED = [
  'AdxServiceDown',
  'AdxIngestionStalled',
  'AdxConsumerLagGrowing',
  'AdxRejectRateHigh',
  'AdxDeadLetterSpike',
  'AdxLoadFailing',
  'AdxFreshnessSloBreached',
];

/** the labels a rule's expression keeps (by (...)), which its summary must name */
function groupingLabels(expr: string): string[] {
  const by = /\bby \(([^)]*)\)/.exec(expr);
  return by ? (by[1] as string).split(',').map((l) => l.trim()) : [];
}

describe('alert rules (ops/prometheus/rules)', () => {
  const rules = alertRules();

  it('has every required alert, each once', () => {
    const names = rules.map((r) => r.alert);
    for (const name of REQUIRED) expect(names).toContain(name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(rules.map((r) => [r.alert, r] as const))(
    '%s has a for:, a severity of page or warning and a summary naming what it is about',
    (_name, rule) => {
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['page', 'warning']).toContain(rule.labels?.severity);
      const summary = rule.annotations?.summary ?? '';
      expect(summary.length).toBeGreaterThan(20);
      // an aggregated alert names what it keeps; an unaggregated one names its instance
      const by = groupingLabels(rule.expr).filter((l) => l !== 'job');
      const named = by.length > 0 ? by : ['instance'];
      for (const label of named) expect(summary).toContain(`{{ $labels.${label} }}`);
    },
  );

  it('has a promtool suite where each alert fires and where it does not', () => {
    const seen = new Map<string, { fires: boolean; silent: boolean }>();
    for (const file of ruleTestFiles()) {
      for (const test of readYaml<RuleTestFile>(file).tests) {
        for (const check of test.alert_rule_test ?? []) {
          const s = seen.get(check.alertname) ?? { fires: false, silent: false };
          if (check.exp_alerts.length > 0) s.fires = true;
          else s.silent = true;
          seen.set(check.alertname, s);
        }
      }
    }
    for (const rule of rules)
      expect({ alert: rule.alert, ...seen.get(rule.alert) }).toEqual({
        alert: rule.alert,
        fires: true,
        silent: true,
      });
  });
});

describe('Alertmanager routing (ops/alertmanager/alertmanager.yml)', () => {
  interface Route {
    receiver: string;
    matchers?: string[];
    group_by?: string[];
    routes?: Route[];
  }
  const config = readYaml<{
    route: Route;
    receivers: {
      name: string;
      pagerduty_configs?: Record<string, unknown>[];
      webhook_configs?: Record<string, unknown>[];
    }[];
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  }>(ALERTMANAGER_CONFIG);
  const receiverFor = (severity: string): string | undefined =>
    config.route.routes?.find((r) => r.matchers?.includes(`severity="${severity}"`))?.receiver;

  it('sends pages to PagerDuty (Events v2, key from a file) and warnings to the webhook', () => {
    const pd = config.receivers.find((r) => r.name === receiverFor('page'));
    expect(pd?.pagerduty_configs).toHaveLength(1);
    const pagerduty = pd?.pagerduty_configs?.[0] ?? {};
    expect(pagerduty.routing_key_file).toEqual(expect.any(String));
    expect(pagerduty).not.toHaveProperty('routing_key');
    expect(pagerduty).not.toHaveProperty('service_key');
    expect(pagerduty.send_resolved).toBe(true);
    const warnings = config.receivers.find((r) => r.name === receiverFor('warning'));
    expect(warnings?.webhook_configs).toHaveLength(1);
  });

  it('groups by the subject of each alert and lets a stalled partition inhibit its lag alert', () => {
    const subjects = new Set(
      alertRules().flatMap((r) => groupingLabels(r.expr).filter((l) => l !== 'job')),
    );
    for (const label of subjects) expect(config.route.group_by).toContain(label);
    expect(config.inhibit_rules).toContainEqual({
      source_matchers: ['alertname="AdxIngestionStalled"'],
      target_matchers: ['alertname="AdxConsumerLagGrowing"'],
      equal: ['topic', 'partition'],
    });
  });
});
