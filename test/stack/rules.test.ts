// The Prometheus side: promtool accepts the config and the rules, every promtool unit test passes,
// and every alert carries what an on-call engineer needs (severity, summary, humanized description,
// a runbook section that exists, a dashboard link that resolves) and is covered by unit tests that
// show it firing, resolving and staying quiet.
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  alertRules,
  allPanels,
  loadDashboard,
  promtool,
  readText,
  readYaml,
  repoPath,
  ruleFilePaths,
  ruleTestFilePaths,
  isAlert,
  type AlertRule,
  type RuleGroup,
  type RuleTestFile,
} from './stack-files.js';
import { metricNamesIn } from './promql-names.js';

const RUNBOOK = 'collector/runbook.md';
const SEVERITIES = ['critical', 'warning', 'info'];
// Series derived from latency histograms: an alert reading any of them is a latency alert.
const LATENCY_SIGNAL = /first_token_latency|time_per_output_token|generation_latency|ttft|tpot/;
const TRAFFIC_GUARD = 'llm:requests:rate5m > 0.05';

/** GitHub's anchor for a Markdown heading. */
const githubAnchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\w\- ]/g, '')
    .replace(/ /g, '-');

const runbookAnchors = (): string[] =>
  [...readText(RUNBOOK).matchAll(/^#{2,3} (.+)$/gm)].map((m) => githubAnchor(m[1]));

describe('promtool', () => {
  it('checks every rule file', () => {
    const files = ruleFilePaths();
    expect(files.length).toBeGreaterThanOrEqual(2);
    const result = promtool(['check', 'rules', ...files]);
    expect(result.output).not.toMatch(/FAILED|error/i);
    expect(result.status, result.output).toBe(0);
  });

  it('checks collector/prometheus.yml, with its rule_files resolved next to it', () => {
    const result = promtool(['check', 'config', 'collector/prometheus.yml']);
    expect(result.status, result.output).toBe(0);
    // promtool names each rule file it found through rule_files: all of ours, nothing else.
    for (const file of ruleFilePaths()) expect(result.output).toContain(file.replace('collector/', ''));
  });

  it.each(ruleTestFilePaths())('passes the unit tests in %s', (file) => {
    // Run from the test file's folder: its rule_files paths are relative to it.
    const result = promtool(['test', 'rules', file.split('/').pop()!], repoPath(dirname(file)));
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});

describe('alerts', () => {
  const alerts = alertRules();
  const byName = (name: string): AlertRule => alerts.find((a) => a.alert === name)!;

  it('include the seed alerts by name and the burn-rate and health alerts the design asks for', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['HighLatency', 'HighErrorRate', 'GPUMemoryHigh']) expect(names).toContain(name);
    expect(byName('HighLatency').expr).toMatch(/generation_latency_seconds:p95_5m > 10\b/);
    expect(byName('HighLatency').for).toBe('5m');
    expect(byName('HighErrorRate').expr).toMatch(/> 0\.05\b/);
    expect(byName('HighErrorRate').for).toBe('2m');
    expect(byName('HighErrorRate').labels?.severity).toBe('critical');
    expect(byName('GPUMemoryHigh').expr).toMatch(/> 0\.9\b/);
    expect(byName('GPUMemoryHigh').for).toBe('10m');
    // Multi-window burn rates: a long and a short window at the same factor, for each SLO.
    for (const slo of ['errors', 'ttft_slo_bad', 'tpot_slo_bad']) {
      const fast = alerts.find((a) => a.expr.includes(`llm:${slo}:ratio_rate1h > (14.4 *`));
      const slow = alerts.find((a) => a.expr.includes(`llm:${slo}:ratio_rate6h > (6 *`));
      expect(fast?.expr, slo).toContain(`llm:${slo}:ratio_rate5m > (14.4 *`);
      expect(slow?.expr, slo).toContain(`llm:${slo}:ratio_rate30m > (6 *`);
    }
    const exprs = alerts.map((a) => a.expr).join('\n');
    for (const needle of ['predict_linear(', 'absent_over_time(', 'up{', 'offset 1w', 'offset 1d']) {
      expect(exprs).toContain(needle);
    }
  });

  it.each(alerts.map((a) => [a.alert, a] as const))('%s has a severity, a summary and a humanized description', (_, alert) => {
    expect(SEVERITIES).toContain(alert.labels?.severity);
    expect(alert.annotations?.summary).toBeTruthy();
    expect(alert.annotations?.description).toBeTruthy();
    // Raw values ("0.1234567") are unreadable in a page: every $value goes through a formatter.
    for (const text of [alert.annotations!.summary, alert.annotations!.description]) {
      for (const use of text.matchAll(/\{\{[^}]*\$value[^}]*\}\}/g)) {
        expect(use[0], `${alert.alert}: ${use[0]}`).toMatch(/\$value \| humanize|printf "[^"]+" \$value/);
      }
    }
  });

  it('link runbook sections that exist, one per alert', () => {
    const anchors = runbookAnchors();
    const urls = alerts.map((a) => a.annotations?.runbook_url ?? '');
    const bases = new Set(urls.map((url) => url.split('#')[0]));
    expect(bases.size, 'one runbook location for all alerts').toBe(1);
    expect([...bases][0]).toMatch(new RegExp(`/${RUNBOOK}$`));
    for (const alert of alerts) {
      const anchor = alert.annotations?.runbook_url?.split('#')[1];
      expect(anchor, alert.alert).toBe(githubAnchor(alert.alert));
      expect(anchors, alert.alert).toContain(anchor);
    }
    // And the runbook documents nothing that is not an alert.
    expect(anchors.sort()).toEqual(alerts.map((a) => githubAnchor(a.alert)).sort());
  });

  it('point the runbook only at panels the dashboard has (panel titles are written in italics)', () => {
    const titles = new Set(allPanels(loadDashboard()).map((p) => p.title));
    const named = [...readText(RUNBOOK).matchAll(/(?<!\*)\*([^*]+)\*(?!\*)/g)].map((m) => m[1].replace(/\s+/g, ' '));
    expect(named.length).toBeGreaterThan(10);
    expect(named.filter((title) => !titles.has(title))).toEqual([]);
  });

  it('link the overview dashboard with variables it defines', () => {
    const dashboard = loadDashboard();
    const variables = new Set(dashboard.templating.list.map((v) => v.name));
    for (const alert of alerts) {
      const url = new URL(alert.annotations?.dashboard_url ?? 'invalid:', 'http://placeholder');
      expect(url.pathname, alert.alert).toMatch(new RegExp(`^/d/${dashboard.uid}/`));
      for (const key of url.searchParams.keys()) {
        expect(key, alert.alert).toMatch(/^var-/);
        expect(variables, `${alert.alert}: ${key}`).toContain(key.slice('var-'.length));
      }
    }
  });

  it('guard every latency alert with a minimum of traffic', () => {
    const latencyAlerts = alerts.filter((a) => LATENCY_SIGNAL.test(a.expr));
    expect(latencyAlerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of latencyAlerts) expect(alert.expr, alert.alert).toContain(`and ${TRAFFIC_GUARD}`);
  });
});

describe('alert unit tests', () => {
  interface Case {
    group: string;
    alertname: string;
    evalSeconds: number;
    fires: boolean;
  }

  const seconds = (duration: string): number => {
    const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
    return [...duration.matchAll(/(\d+)([smhdw])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
  };

  const cases: Case[] = ruleTestFilePaths().flatMap((file) =>
    readYaml<RuleTestFile>(file).tests.flatMap((group, index) =>
      (group.alert_rule_test ?? []).map((test) => ({
        group: `${file}#${group.name ?? index}`,
        alertname: test.alertname,
        evalSeconds: seconds(test.eval_time),
        fires: (test.exp_alerts ?? []).length > 0,
      })),
    ),
  );

  it('load, in every test file, the rule files of the alerts it tests and of the recording rules they read', () => {
    const fileOf = new Map<string, string>();
    for (const path of ruleFilePaths()) {
      for (const group of readYaml<{ groups: RuleGroup[] }>(path).groups) {
        for (const rule of group.rules) fileOf.set(isAlert(rule) ? rule.alert : rule.record, path.split('/').pop()!);
      }
    }
    const exprOf = new Map(alertRules().map((a) => [a.alert, a.expr]));
    let checked = 0;
    for (const file of ruleTestFilePaths()) {
      const test = readYaml<RuleTestFile>(file);
      const loaded = test.rule_files.map((f) => f.replace('../', ''));
      const alertnames = test.tests.flatMap((t) => (t.alert_rule_test ?? []).map((a) => a.alertname));
      // What each test reads: its alerts' expressions and its own PromQL assertions.
      const exprs = [
        ...alertnames.map((name) => exprOf.get(name) ?? ''),
        ...test.tests.flatMap((t) => (t.promql_expr_test ?? []).map((e) => e.expr)),
      ];
      for (const name of alertnames) expect(loaded, `${file}: alert ${name}`).toContain(fileOf.get(name));
      for (const name of exprs.flatMap((expr) => [...metricNamesIn(expr)]).filter((n) => fileOf.has(n))) {
        expect(loaded, `${file}: recording rule ${name}`).toContain(fileOf.get(name));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it.each(alertRules().map((a) => a.alert))('%s is shown firing, resolving and staying quiet', (alertname) => {
    const mine = cases.filter((c) => c.alertname === alertname);
    const firing = mine.filter((c) => c.fires);
    expect(firing.length, 'a case where it fires').toBeGreaterThan(0);
    const resolves = firing.some((f) => mine.some((c) => c.group === f.group && !c.fires && c.evalSeconds > f.evalSeconds));
    expect(resolves, 'a later case in the same group where it has resolved').toBe(true);
    const firingGroups = new Set(firing.map((c) => c.group));
    const quiet = mine.some((c) => !c.fires && !firingGroups.has(c.group));
    expect(quiet, 'a group where it never fires').toBe(true);
  });
});
