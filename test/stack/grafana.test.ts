// Grafana: the dashboard is a valid, provisionable dashboard (schema version, unique ids, a layout
// without overlaps), it has the design's variables and sections, every latency query asks for
// exemplars, and every datasource it names is provisioned; the datasources link exemplars to Tempo
// and spans back to metrics.
import { describe, expect, it } from 'vitest';
import {
  allPanels,
  dashboardPaths,
  loadDashboard,
  loadDatasources,
  readYaml,
  type Dashboard,
  type DashboardPanel,
  type DatasourceRef,
} from './stack-files.js';

const GRID_COLUMNS = 24;
const BUILTIN_GRAFANA_UID = '-- Grafana --';

/** Panels grouped under the row whose title they follow. */
function sections(dashboard: Dashboard): Map<string, DashboardPanel[]> {
  const byRow = new Map<string, DashboardPanel[]>();
  let current = '';
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') {
      current = panel.title;
      byRow.set(current, [...(panel.panels ?? [])]);
    } else {
      byRow.set(current, [...(byRow.get(current) ?? []), panel]);
    }
  }
  return byRow;
}

/** Every datasource reference in a dashboard: panels, targets, variables. */
function datasourceRefs(dashboard: Dashboard): Array<{ where: string; ref: DatasourceRef }> {
  const refs: Array<{ where: string; ref: DatasourceRef }> = [];
  for (const panel of allPanels(dashboard)) {
    if (panel.datasource) refs.push({ where: `panel "${panel.title}"`, ref: panel.datasource });
    for (const target of panel.targets ?? []) {
      if (target.datasource) refs.push({ where: `panel "${panel.title}" ${target.refId}`, ref: target.datasource });
    }
  }
  for (const variable of dashboard.templating.list) {
    if (variable.datasource) refs.push({ where: `variable ${variable.name}`, ref: variable.datasource });
  }
  return refs;
}

describe.each(dashboardPaths())('dashboard %s', (path) => {
  const dashboard = loadDashboard(path);
  const panels = allPanels(dashboard);

  it('is a current-schema dashboard with a fixed uid', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
  });

  it('has unique panel ids and a layout inside the grid without overlaps', () => {
    const ids = panels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const occupied = new Map<string, number>();
    for (const { id, gridPos: g } of panels) {
      expect([g.h, g.w, g.x, g.y].every(Number.isInteger), `panel ${id}`).toBe(true);
      expect(g.x + g.w, `panel ${id}`).toBeLessThanOrEqual(GRID_COLUMNS);
      for (let y = g.y; y < g.y + g.h; y++) {
        for (let x = g.x; x < g.x + g.w; x++) {
          const cell = `${x},${y}`;
          expect(occupied.get(cell), `panel ${id} overlaps panel ${occupied.get(cell)} at ${cell}`).toBeUndefined();
          occupied.set(cell, id);
        }
      }
    }
  });

  it('names only provisioned datasources, directly or through datasource variables', () => {
    const provisioned = new Map(loadDatasources().map((ds) => [ds.uid, ds.type]));
    const variables = new Map(
      dashboard.templating.list.filter((v) => v.type === 'datasource').map((v) => [v.name, v]),
    );
    const refs = datasourceRefs(dashboard);
    expect(refs.length).toBeGreaterThan(0);
    for (const { where, ref } of refs) {
      if (ref.uid === BUILTIN_GRAFANA_UID) continue;
      const variable = /^\$\{(\w+)\}$/.exec(ref.uid ?? '')?.[1];
      // A datasource variable: its plugin type must be the reference's, its default a provisioned uid.
      const uid = variable ? String(variables.get(variable)?.current?.value) : ref.uid;
      if (variable) expect(variables.get(variable)?.query, where).toBe(ref.type);
      expect(provisioned.get(uid ?? ''), `${where}: datasource ${ref.uid}`).toBe(ref.type);
    }
  });

  it('only uses variables it defines', () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    const text = JSON.stringify(dashboard.panels) + JSON.stringify(dashboard.templating.list.map((v) => v.definition ?? ''));
    const used = new Set([...text.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)/g)].map((m) => m[1] ?? m[2]));
    // "$1" is label_replace's back-reference, which Grafana leaves alone (no variable has a numeric name).
    const undefinedVariables = [...used].filter((name) => !name.startsWith('__') && !/^\d+$/.test(name) && !defined.has(name));
    expect(undefinedVariables).toEqual([]);
  });

  it('uses $__rate_interval (or the range) for every rate window', () => {
    const fixedWindows = panels.flatMap((p) =>
      (p.targets ?? []).flatMap((t) =>
        [...(t.expr ?? '').matchAll(/(?:rate|increase)\([^\[]*\[([^\]]+)\]/g)]
          .map((m) => m[1])
          .filter((window) => window !== '$__rate_interval' && window !== '$__range')
          .map((window) => `${p.title}: [${window}]`),
      ),
    );
    expect(fixedWindows).toEqual([]);
  });
});

describe('LLM overview', () => {
  const dashboard = loadDashboard();
  const bySection = sections(dashboard);
  const variable = (name: string) => dashboard.templating.list.find((v) => v.name === name);

  it('has the design variables', () => {
    expect(variable('datasource')?.query).toBe('prometheus');
    expect(variable('tempo_datasource')?.query).toBe('tempo');
    for (const name of ['job', 'instance', 'model']) expect(variable(name)?.type, name).toBe('query');
    expect(variable('model')?.multi).toBe(true);
    expect(variable('slo_target')?.query).toBe('0.99,0.95');
  });

  it('has the design sections, a stat row first', () => {
    expect([...bySection.keys()]).toEqual(['Service level', 'Latency', 'Traffic, errors, tokens', 'Model server', 'GPU', 'Traces']);
    const stats = bySection.get('Service level')!;
    expect(stats.length).toBe(8);
    expect(stats.every((p) => p.type === 'stat')).toBe(true);
  });

  it('asks for exemplars on every latency query, with a first-token heatmap drawn from buckets', () => {
    const latency = bySection.get('Latency')!;
    const targets = latency.flatMap((p) => p.targets ?? []);
    expect(targets.length).toBeGreaterThanOrEqual(15);
    expect(targets.filter((t) => t.exemplar !== true).map((t) => t.expr)).toEqual([]);
    const heatmap = latency.find((p) => p.type === 'heatmap');
    expect(heatmap?.targets?.[0].expr).toContain('llm_first_token_latency_seconds_bucket');
    expect(heatmap?.targets?.[0].format).toBe('heatmap');
    expect(heatmap?.options?.calculate).toBe(false);
    // Latency graphs outside the Latency row (the GPU row's) ask for exemplars too; stats cannot show them.
    const latencyGraphs = allPanels(dashboard)
      .filter((p) => p.type !== 'stat')
      .flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, target: t })))
      .filter(({ target }) => /_seconds_bucket/.test(target.expr ?? ''));
    expect(latencyGraphs.filter(({ target }) => target.exemplar !== true).map(({ panel }) => panel)).toEqual([]);
  });

  it("puts the model server's own view (vLLM) beside the client's, filtered by its own job variable", () => {
    const modelServer = bySection.get('Model server')!;
    expect(variable('model_server_job')?.definition).toBe('label_values(vllm:num_requests_running, job)');
    const exprs = modelServer.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    // Every server-side selector is narrowed to the model-server job and the selected models.
    for (const selector of exprs.flatMap((e) => [...e.matchAll(/vllm:\w+\{([^}]*)\}/g)].map((m) => m[1]))) {
      expect(selector).toBe('job=~"$model_server_job", model_name=~"$model"');
    }
    const clientAgainstServer = modelServer.find((p) => p.title === 'First token: client against server')!;
    const [client, server] = clientAgainstServer.targets!.map((t) => t.expr ?? '');
    expect(client).toContain('llm_first_token_latency_seconds_bucket');
    expect(server).toContain('vllm:time_to_first_token_seconds_bucket');
    const titles = modelServer.map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining(['Requests running and waiting', 'KV-cache use', 'Queue time p95']));
    // The GPU row, the layer below, follows at once.
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows[rows.indexOf('Model server') + 1]).toBe('GPU');
  });

  it('draws the SLO as a line on the first-token and per-token percentiles', () => {
    const exprs = bySection.get('Latency')!.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs).toContain('vector(${ttft_slo})');
    expect(exprs).toContain('vector(${tpot_slo})');
  });

  it('lists slow or failed model calls of the selected models from Tempo', () => {
    const [table] = bySection.get('Traces')!;
    expect(table.type).toBe('table');
    const [target] = table.targets!;
    expect(target.datasource?.type).toBe('tempo');
    expect(target.queryType).toBe('traceql');
    expect(target.query).toMatch(/span\.gen_ai\.request\.model =~ "\$\{model:\w+\}"/);
    expect(target.query).toContain('status = error');
    expect(JSON.stringify(table.fieldConfig)).toContain('Open trace');
  });
});

describe('datasource provisioning', () => {
  const datasources = loadDatasources();
  const prometheus = datasources.find((d) => d.type === 'prometheus')!;
  const tempo = datasources.find((d) => d.type === 'tempo')!;

  it('has fixed, unique uids', () => {
    expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);
    expect(prometheus.uid).toBe('prometheus');
    expect(tempo.uid).toBe('tempo');
  });

  it('turns an exemplar trace_id into a Tempo link', () => {
    expect(prometheus.jsonData?.exemplarTraceIdDestinations).toEqual([{ name: 'trace_id', datasourceUid: tempo.uid }]);
  });

  it('links spans to metrics by service and model, with a service map and no logs', () => {
    const links = tempo.jsonData?.tracesToMetrics;
    expect(links?.datasourceUid).toBe(prometheus.uid);
    expect(links?.tags).toEqual(
      expect.arrayContaining([
        { key: 'service.name', value: 'service_name' },
        { key: 'gen_ai.request.model', value: 'model' },
      ]),
    );
    const queries = (links?.queries ?? []).map((q) => q.query);
    expect(queries.some((q) => q.includes('llm_first_token_latency_seconds_bucket'))).toBe(true);
    expect(queries.some((q) => q.includes('llm_errors_total'))).toBe(true);
    // Each query narrows to the span's tags; "$$" is a literal "$" in provisioning files.
    for (const query of queries) expect(query).toContain('{$$__tags}');
    expect(tempo.jsonData?.serviceMap?.datasourceUid).toBe(prometheus.uid);
    expect(tempo.jsonData?.tracesToLogsV2).toBeUndefined();
    expect(tempo.jsonData?.tracesToLogs).toBeUndefined();
  });

  it('loads dashboards from the folder the dashboards live in', () => {
    const { providers } = readYaml<{ providers: Array<{ type: string; options: { path: string } }> }>(
      'grafana/provisioning/dashboards/dashboards.yaml',
    );
    expect(providers).toHaveLength(1);
    expect(providers[0].type).toBe('file');
    // Where that path comes from is checked against docker-compose.yml in compose.test.ts.
    expect(providers[0].options.path).toMatch(/^\//);
  });
});
