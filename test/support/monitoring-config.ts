/**
 * The monitoring configuration as data: the alert rules, their promtool suites and the
 * Alertmanager config, parsed from ops/. Shared by the static checks and the end-to-end test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const OPS = join(__dirname, '..', '..', 'ops');
export const RULES_DIR = join(OPS, 'prometheus', 'rules');
export const RULE_TESTS_DIR = join(OPS, 'prometheus', 'tests');
export const ALERTMANAGER_CONFIG = join(OPS, 'alertmanager', 'alertmanager.yml');

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly keep_firing_for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleFile {
  readonly groups: { readonly name: string; readonly rules: AlertRule[] }[];
}

export interface RuleTestFile {
  readonly rule_files: string[];
  readonly tests: {
    readonly alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
  }[];
}

export const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;

export const ruleFiles = (): string[] =>
  readdirSync(RULES_DIR)
    .filter((f) => f.endsWith('.rules.yml'))
    .map((f) => join(RULES_DIR, f));

export const alertRules = (): AlertRule[] =>
  ruleFiles().flatMap((f) => readYaml<RuleFile>(f).groups.flatMap((g) => g.rules));

export const ruleTestFiles = (): string[] =>
  readdirSync(RULE_TESTS_DIR)
    .filter((f) => f.endsWith('.test.yml'))
    .map((f) => join(RULE_TESTS_DIR, f));
