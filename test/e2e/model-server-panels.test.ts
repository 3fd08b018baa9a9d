// The model-server layer end to end: a real Prometheus (2.42) scrapes the model simulator's vLLM
// /metrics and, beside it, the agent's /metrics in a service that calls the simulator through the
// openai SDK. The simulator runs 2 calls at once, so the others queue. Every query of the dashboard's
// "Model server" row, read from the dashboard file with its variables filled in as Grafana would,
// must return data from that Prometheus, and the client-against-server numbers must add up.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { stopAll } from '../helpers/child-app.js';
import { startPrometheus, type PrometheusServer, type VectorSample } from '../helpers/prometheus.js';
import { loadDashboard, type DashboardPanel } from '../stack/stack-files.js';
import { startMetricsApp, type MetricsApp } from './metrics-app.js';

const APP = readFileSync(new URL('./llm-app.mjs', import.meta.url), 'utf8');
const MODEL = 'gpt-panels';
const FIRST_CHUNK_MS = 300;
const call = (error?: '500') => ({ client: 'openai', model: MODEL, firstChunkMs: FIRST_CHUNK_MS, chunks: 4, ...(error ? { error } : {}) });
// The warm-up call gives both sides' series a first scrape, so rate() sees all the planned calls.
const PLAN = {
  warmUp: [call()],
  calls: [...Array.from({ length: 8 }, () => call()), call('500'), call('500')],
};
const STREAMED = PLAN.warmUp.length + 8;
const ALL = PLAN.warmUp.length + PLAN.calls.length;
// startPrometheus names its jobs target-<index of the target>.
const AGENT_JOB = 'target-0';
const SERVER_JOB = 'target-1';

let sim: ModelSimulator;
let agent: MetricsApp;
let prometheus: PrometheusServer;

beforeAll(async () => {
  sim = await startModelSimulator({ maxRunning: 2, kvCacheTokens: 200 });
  agent = await startMetricsApp({
    script: APP,
    ext: 'mjs',
    env: {
      SIM_URL: sim.url,
      PLAN: JSON.stringify(PLAN),
      OTEL_SERVICE_NAME: 'model-server-panels',
      OTEL_TRACES_EXPORTER: 'none',
      LLM_OTEL_GPU_INTERVAL: '0',
    },
  });
  await agent.app.waitForLine(/^WARM$/, 15_000);
  prometheus = await startPrometheus([{ address: agent.address }, { address: new URL(sim.url).host }]);
  const clientCalls = `sum(llm_requests_total{job="${AGENT_JOB}"})`;
  const serverCalls = `sum(vllm:request_success_total{job="${SERVER_JOB}"})`;
  await prometheus.waitFor(clientCalls, (r) => r[0]?.value === PLAN.warmUp.length);
  await prometheus.waitFor(serverCalls, (r) => r[0]?.value === PLAN.warmUp.length);
  agent.app.kill('SIGUSR2');
  await agent.app.waitForLine(/^DONE$/, 20_000);
  await prometheus.waitFor(clientCalls, (r) => r[0]?.value === ALL);
  // Simulated 500s never reach the engine: the server finished only the streamed calls.
  await prometheus.waitFor(serverCalls, (r) => r[0]?.value === STREAMED);
}, 90_000);

afterAll(async () => {
  await stopAll();
  await prometheus?.stop();
  await sim?.close();
});

/** The panels under the "Model server" row. */
function modelServerPanels(): DashboardPanel[] {
  const panels = loadDashboard().panels;
  const start = panels.findIndex((p) => p.type === 'row' && p.title === 'Model server');
  const end = panels.findIndex((p, i) => i > start && p.type === 'row');
  return panels.slice(start + 1, end);
}

/** The variables as Grafana fills them for this stack: "All" models and instances, the two jobs. */
const VARIABLES: Record<string, string> = {
  job: AGENT_JOB,
  model_server_job: SERVER_JOB,
  instance: '.*',
  model: '.*',
  // Grafana's $__rate_interval is at least 4 scrape intervals; a minute covers the whole run here.
  __rate_interval: '1m',
};

function interpolate(expr: string): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (text, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    if (/^\d+$/.test(name)) return text; // label_replace's "$1"
    const value = VARIABLES[name];
    if (value === undefined) throw new Error(`no value for $${name} in ${expr}`);
    return value;
  });
}

const panelQueries = (): Array<[string, string]> =>
  modelServerPanels().flatMap((panel) =>
    (panel.targets ?? []).map((t) => [`${panel.title} ${t.refId} (${t.legendFormat ?? ''})`, interpolate(t.expr!)] as [string, string]),
  );

const byModel = (samples: VectorSample[], label: 'model' | 'model_name'): number | undefined =>
  samples.find((s) => s.metric[label] === MODEL)?.value;

describe('the dashboard\'s "Model server" row against a real Prometheus', () => {
  it('has the panels the layer needs', () => {
    expect(panelQueries().length).toBeGreaterThanOrEqual(10);
  });

  it.each(panelQueries())('%s returns data', async (_, expr) => {
    const samples = await prometheus.query(expr);
    expect(samples.length, expr).toBeGreaterThan(0);
    for (const sample of samples) expect(Number.isFinite(sample.value), `${expr}: ${JSON.stringify(sample)}`).toBe(true);
  });

  it('finds the model server through the model_server_job variable', async () => {
    const definition = loadDashboard().templating.list.find((v) => v.name === 'model_server_job')!.definition!;
    const selector = /^label_values\((.*), job\)$/.exec(definition)![1]!;
    const jobs = await prometheus.query(`count by (job) (${selector})`);
    expect(jobs.map((s) => s.metric.job)).toEqual([SERVER_JOB]);
  });

  it('splits the first token: queue inside the server, a small positive rest outside it', async () => {
    const [queue, server, client, rest] = await Promise.all(
      modelServerPanels()
        .find((p) => p.title === "Where the first token's time goes (mean)")!
        .targets!.map((t) => prometheus.query(interpolate(t.expr!))),
    );
    const queueMean = byModel(queue!, 'model_name')!;
    const serverMean = byModel(server!, 'model_name')!;
    const clientMean = byModel(client!, 'model')!;
    // 2 at a time, 8 at once: the later calls waited for the earlier ones.
    expect(queueMean).toBeGreaterThan(0.1);
    // Server side: from arrival, the queue included, then the scheduled first-chunk delay.
    expect(serverMean).toBeGreaterThanOrEqual(queueMean + FIRST_CHUNK_MS / 1000 - 0.005);
    // The client's clock starts before the request leaves and stops after the chunk arrives. (Each
    // query is evaluated at its own instant, so their windows differ by a few milliseconds.)
    expect(byModel(rest!, 'model')).toBeCloseTo(clientMean - serverMean, 3);
    expect(clientMean - serverMean).toBeGreaterThan(0);
    expect(clientMean - serverMean).toBeLessThan(0.25);
  });

  it('counts on the server the tokens the client was told about', async () => {
    const [serverPrompt] = await prometheus.query(`sum(vllm:prompt_tokens_total{job="${SERVER_JOB}"})`);
    const [clientPrompt] = await prometheus.query(`sum(llm_prompt_tokens_total{job="${AGENT_JOB}"})`);
    expect(serverPrompt!.value).toBe(clientPrompt!.value);
    const [generated] = await prometheus.query(`sum(vllm:generation_tokens_total{job="${SERVER_JOB}"})`);
    expect(generated!.value).toBe(STREAMED * 4);
  });
});
