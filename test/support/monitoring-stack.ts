/**
 * Prometheus and Alertmanager of the local stack, for the end-to-end alert test: the test
 * configuration derived from the shipped one, `ops/stack.sh up --monitoring` to apply it, and
 * their HTTP APIs.
 *
 * The test configuration differs from ops/ only in time and in where notifications go: scrape and
 * evaluation every second, every duration of the alert rules (for:, keep_firing_for:, range
 * windows, offsets)
 * divided by TIME_SCALE, Alertmanager's group timers in seconds, and PagerDuty's URL and the
 * warnings webhook pointed at a local receiver. Thresholds, expressions, labels, routes and
 * inhibitions are the shipped ones.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ALERTMANAGER_CONFIG, OPS, readYaml, RULES_DIR, type RuleFile } from './monitoring-config';

/** the test's rules run this many times faster than the shipped ones (10m → 20s) */
export const TIME_SCALE = 30;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};
const DURATION = /(\d+)(ms|s|m|h|d|w)/g;

function durationMs(text: string): number {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(DURATION))
    ms += Number(n) * (UNIT_MS[unit as string] ?? 0);
  return ms;
}

/** a Prometheus duration divided by the scale, in whole seconds (at least 1s) */
export function scaled(text: string, scale = TIME_SCALE): string {
  return `${Math.max(1, Math.round(durationMs(text) / scale / 1000))}s`;
}

/** range windows, subquery steps and offsets of a PromQL expression, divided by the scale */
export function scaledExpr(expr: string, scale = TIME_SCALE): string {
  const d = '\\d+(?:ms|s|m|h|d|w)(?:\\d+(?:ms|s|m|h|d|w))*';
  return expr
    .replace(new RegExp(`\\[(${d})(?::(${d}))?\\]`, 'g'), (_m, range: string, step?: string) =>
      step ? `[${scaled(range, scale)}:${scaled(step, scale)}]` : `[${scaled(range, scale)}]`,
    )
    .replace(
      new RegExp(`\\boffset (${d})`, 'g'),
      (_m, off: string) => `offset ${scaled(off, scale)}`,
    );
}

export interface NotificationTargets {
  readonly pagerDutyUrl: string;
  readonly webhookUrl: string;
}

/** Writes <dir>/prometheus and <dir>/alertmanager: the test configuration (see above). */
export function writeTestMonitoringConfig(dir: string, targets: NotificationTargets): void {
  const prometheus = join(dir, 'prometheus');
  mkdirSync(join(prometheus, 'rules'), { recursive: true });
  const config = readYaml<{ global: Record<string, string> }>(
    join(OPS, 'prometheus', 'prometheus.yml'),
  );
  config.global = { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  writeFileSync(join(prometheus, 'prometheus.yml'), stringify(config));
  for (const file of readdirSync(RULES_DIR).filter((f) => f.endsWith('.rules.yml'))) {
    const rules = readYaml<RuleFile>(join(RULES_DIR, file));
    const groups = rules.groups.map((group) => ({
      ...group,
      rules: group.rules.map((r) => ({
        ...r,
        expr: scaledExpr(r.expr),
        ...(r.for ? { for: scaled(r.for) } : {}),
        ...(r.keep_firing_for ? { keep_firing_for: scaled(r.keep_firing_for) } : {}),
      })),
    }));
    writeFileSync(join(prometheus, 'rules', file), stringify({ ...rules, groups }));
  }

  const alertmanager = join(dir, 'alertmanager');
  mkdirSync(alertmanager, { recursive: true });
  cpSync(join(OPS, 'alertmanager', 'templates'), join(alertmanager, 'templates'), {
    recursive: true,
  });
  interface Route {
    group_wait?: string;
    group_interval?: string;
    repeat_interval?: string;
    routes?: Route[];
  }
  const am = readYaml<{
    global: Record<string, string>;
    route: Route;
    receivers: { webhook_configs?: { url: string }[] }[];
  }>(ALERTMANAGER_CONFIG);
  am.global.pagerduty_url = targets.pagerDutyUrl;
  Object.assign(am.route, { group_wait: '1s', group_interval: '2s', repeat_interval: '1h' });
  for (const route of am.route.routes ?? []) route.repeat_interval = '1h';
  for (const receiver of am.receivers)
    for (const webhook of receiver.webhook_configs ?? []) webhook.url = targets.webhookUrl;
  writeFileSync(join(alertmanager, 'alertmanager.yml'), stringify(am));
}

const run = promisify(execFile);
const STACK_SH = join(OPS, 'stack.sh');

/**
 * `ops/stack.sh up --monitoring` with these settings (MONITORING_CONFIG_DIR, ADX_METRICS_TARGETS,
 * PAGERDUTY_ROUTING_KEY_FILE, or none: the shipped configuration); returns the monitoring URLs.
 */
export async function monitoringUp(
  settings: Record<string, string> = {},
): Promise<{ prometheusUrl: string; alertmanagerUrl: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  for (const name of ['MONITORING_CONFIG_DIR', 'ADX_METRICS_TARGETS', 'PAGERDUTY_ROUTING_KEY_FILE'])
    delete env[name];
  try {
    await run('bash', [STACK_SH, 'up', '--monitoring'], {
      env: { ...env, ...settings },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`ops/stack.sh up --monitoring failed: ${e.message}\n${e.stderr ?? ''}`);
  }
  const { stdout } = await run('bash', [STACK_SH, 'env'], { env });
  const get = (name: string): string => {
    const m = new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(stdout);
    if (!m) throw new Error(`ops/stack.sh env printed no ${name}`);
    return m[1] as string;
  };
  return { prometheusUrl: get('PROMETHEUS_URL'), alertmanagerUrl: get('ALERTMANAGER_URL') };
}

export interface PromSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** an instant query; throws on a PromQL error */
export async function promQuery(prometheusUrl: string, expr: string): Promise<PromSample[]> {
  const url = `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: PromSample[] };
  };
  if (body.status !== 'success') throw new Error(`PromQL ${expr}: ${body.error ?? res.status}`);
  if (body.data?.resultType !== 'vector') throw new Error(`PromQL ${expr}: not an instant vector`);
  return body.data.result;
}

export interface AlertmanagerAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly status: { readonly state: string; readonly inhibitedBy: string[] };
  readonly fingerprint: string;
}

/** Alertmanager's view of its alerts (active, silenced and inhibited) */
export async function alertmanagerAlerts(alertmanagerUrl: string): Promise<AlertmanagerAlert[]> {
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`Alertmanager /api/v2/alerts: HTTP ${res.status}`);
  return (await res.json()) as AlertmanagerAlert[];
}
