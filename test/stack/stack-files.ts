// Loads the user-facing stack files (collector, compose, Prometheus rules, Grafana) for the stack tests,
// with just enough typing to read them. The files are user configuration, not code: the tests hold
// them consistent with each other and with the metric names the agent exposes.
import { readFileSync, globSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export const repoRoot = resolve(import.meta.dirname, '../..');

export function repoPath(relative: string): string {
  return join(repoRoot, relative);
}

export function readText(relative: string): string {
  return readFileSync(repoPath(relative), 'utf8');
}

/**
 * Parses a YAML file as its program sees it with no variable set: the collector's
 * `${env:NAME:-default}` references become their defaults, the values docker compose runs with.
 */
export function readYaml<T>(relative: string): T {
  return parse(readText(relative).replace(/\$\{env:[A-Z0-9_]+:-([^}]*)\}/g, '$1')) as T;
}

/** Repository-relative paths matching a glob, sorted. */
export function repoGlob(pattern: string): string[] {
  return globSync(pattern, { cwd: repoRoot }).sort();
}

// ------------------------------------------------------------------------------------------ rules

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export type Rule = RecordingRule | AlertRule;

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: Rule[];
}

export const ruleFilePaths = (): string[] => repoGlob('collector/rules/*.yml');
export const ruleTestFilePaths = (): string[] => repoGlob('collector/rules/tests/*.yml');

export function loadRuleGroups(): RuleGroup[] {
  return ruleFilePaths().flatMap((path) => readYaml<{ groups: RuleGroup[] }>(path).groups);
}

export function isAlert(rule: Rule): rule is AlertRule {
  return 'alert' in rule;
}

export const alertRules = (): AlertRule[] => loadRuleGroups().flatMap((g) => g.rules.filter(isAlert));

export const recordingRules = (): RecordingRule[] =>
  loadRuleGroups().flatMap((g) => g.rules.filter((r): r is RecordingRule => !isAlert(r)));

/** A promtool unit-test file (the parts the tests read). */
export interface RuleTestFile {
  rule_files: string[];
  tests: Array<{
    name?: string;
    alert_rule_test?: Array<{ alertname: string; eval_time: string; exp_alerts?: unknown[] }>;
    promql_expr_test?: Array<{ expr: string; eval_time: string }>;
  }>;
}

// ------------------------------------------------------------------------------------- promtool

export interface CommandResult {
  status: number;
  output: string;
}

/** Runs promtool from PATH; a missing promtool is a failure, never a skip. */
export function promtool(args: string[], cwd = repoRoot): CommandResult {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) {
    throw new Error(
      `promtool could not run (${result.error.message}). Install Prometheus' promtool ` +
        '(Debian/Ubuntu: apt-get install prometheus) and put it on PATH.',
    );
  }
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

// -------------------------------------------------------------------------------------- grafana

export interface DatasourceRef {
  type?: string;
  uid?: string;
}

export interface DashboardTarget {
  refId: string;
  datasource?: DatasourceRef;
  expr?: string;
  legendFormat?: string;
  query?: string;
  queryType?: string;
  format?: string;
  exemplar?: boolean;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: DatasourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
  options?: Record<string, unknown>;
  fieldConfig?: unknown;
}

export interface DashboardVariable {
  name: string;
  type: string;
  query?: unknown;
  definition?: string;
  datasource?: DatasourceRef;
  current?: { text?: unknown; value?: unknown };
  multi?: boolean;
  includeAll?: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: DashboardPanel[];
  templating: { list: DashboardVariable[] };
}

export const dashboardPaths = (): string[] => repoGlob('grafana/dashboards/*.json');

export function loadDashboard(relative = 'grafana/dashboards/llm-overview.json'): Dashboard {
  return JSON.parse(readText(relative)) as Dashboard;
}

/** Panels in layout order, with the panels of collapsed rows included. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

export interface ProvisionedDatasource {
  name: string;
  type: string;
  uid: string;
  url: string;
  jsonData?: {
    exemplarTraceIdDestinations?: Array<{ name: string; datasourceUid: string }>;
    tracesToMetrics?: {
      datasourceUid: string;
      tags?: Array<{ key: string; value: string }>;
      queries?: Array<{ name: string; query: string }>;
    };
    serviceMap?: { datasourceUid: string };
    tracesToLogsV2?: unknown;
    tracesToLogs?: unknown;
  };
}

export function loadDatasources(): ProvisionedDatasource[] {
  return readYaml<{ datasources: ProvisionedDatasource[] }>('grafana/provisioning/datasources/datasources.yaml')
    .datasources;
}

/**
 * Grafana expands $VAR / ${VAR} from the environment in provisioning files and writes a literal "$"
 * as "$$"; this undoes that for a query read from such a file.
 */
export const unescapeProvisioning = (text: string): string => text.replaceAll('$$', '$');
