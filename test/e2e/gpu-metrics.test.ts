// Issue 5's acceptance, the way users run the agent: a service under `node --import llm-otel-agent`
// on a machine whose nvidia-smi (a fake one, first on PATH) reports two GPUs; its /metrics is read as
// Prometheus reads it, and scraped by the real Prometheus. A second service runs where there is no
// nvidia-smi at all.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopAll } from '../helpers/child-app.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';
import { FakeNvidiaSmi, FIXTURES } from '../gpu/fake-nvidia-smi.js';
import { sampleLines, startMetricsApp, type MetricsApp } from './metrics-app.js';

const POLL_INTERVAL_S = 0.2;
const MiB = 1024 * 1024;
// An idle service: only the agent's endpoint and GPU poller do anything.
const IDLE_APP = `setInterval(() => {}, 60_000);\nconsole.log('READY');\n`;

const H100_UUID = 'GPU-4c7f8d2e-9a1b-4e63-8f0d-2b5a7c9e1d34';
const A10G_UUID = 'GPU-9d3f2a1b-7c6e-4d5f-8a9b-0c1d2e3f4a5b';
const H100 = `gpu_id="0",gpu_uuid="${H100_UUID}",gpu_name="NVIDIA H100 80GB HBM3"`;
const A10G = `gpu_id="1",gpu_uuid="${A10G_UUID}",gpu_name="NVIDIA A10G"`;
const fixtureLine = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8').trim();
/** The H100 of h100.csv as GPU 0 and the A10G of a10g-power-na.csv (power [N/A]) as GPU 1. */
const TWO_GPUS = `${fixtureLine('h100.csv')}\n${fixtureLine('a10g-power-na.csv').replace(/^0,/, '1,')}\n`;

// What the fixtures say, in the units Prometheus gets: MiB become bytes, [N/A] is no sample at all.
const H100_SAMPLES = [
  `llm_gpu_utilization_percent{${H100}} 87`,
  `llm_gpu_memory_utilization_percent{${H100}} 54`,
  `llm_gpu_memory_used_bytes{${H100}} ${61234 * MiB}`,
  `llm_gpu_memory_total_bytes{${H100}} ${81559 * MiB}`,
  `llm_gpu_temperature_celsius{${H100}} 64`,
  `llm_gpu_power_watts{${H100}} 512.37`,
  `llm_gpu_power_limit_watts{${H100}} 700`,
];
const A10G_SAMPLES = [
  `llm_gpu_utilization_percent{${A10G}} 35`,
  `llm_gpu_memory_utilization_percent{${A10G}} 12`,
  `llm_gpu_memory_used_bytes{${A10G}} ${10240 * MiB}`,
  `llm_gpu_memory_total_bytes{${A10G}} ${23028 * MiB}`,
  `llm_gpu_temperature_celsius{${A10G}} 41`,
];
const GAUGE_UNITS: Record<string, string> = {
  llm_gpu_utilization_percent: 'percent',
  llm_gpu_memory_utilization_percent: 'percent',
  llm_gpu_memory_used_bytes: 'bytes',
  llm_gpu_memory_total_bytes: 'bytes',
  llm_gpu_temperature_celsius: 'celsius',
  llm_gpu_power_watts: 'watts',
  llm_gpu_power_limit_watts: 'watts',
};

let fake: FakeNvidiaSmi;
let emptyPath: string;
let withGpus: MetricsApp;
let withoutGpus: MetricsApp;
let prometheus: PrometheusServer;

const gpuEnv = (path: string): Record<string, string> => ({
  PATH: path,
  LLM_OTEL_GPU_INTERVAL: String(POLL_INTERVAL_S),
  OTEL_TRACES_EXPORTER: 'none',
});
const gpuSamples = async (app: MetricsApp): Promise<string[]> =>
  sampleLines((await app.scrape(true)).body).filter((line) => line.startsWith('llm_gpu_'));

/** Scrapes until `done` accepts the GPU samples; fails with the last ones after `timeoutMs`. */
async function waitForGpuSamples(app: MetricsApp, done: (samples: string[]) => boolean, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let samples = await gpuSamples(app);
  while (!done(samples)) {
    if (Date.now() > deadline) throw new Error(`GPU samples not as expected after ${timeoutMs} ms:\n${samples.join('\n')}`);
    await sleep(50);
    samples = await gpuSamples(app);
  }
  return samples;
}

beforeAll(async () => {
  fake = new FakeNvidiaSmi().print(TWO_GPUS);
  emptyPath = mkdtempSync(join(tmpdir(), 'no-nvidia-smi-'));
  [withGpus, withoutGpus] = await Promise.all([
    startMetricsApp({ script: IDLE_APP, ext: 'mjs', env: gpuEnv(`${fake.dir}:${process.env.PATH ?? ''}`) }),
    startMetricsApp({ script: IDLE_APP, ext: 'mjs', env: gpuEnv(emptyPath) }),
  ]);
  prometheus = await startPrometheus([{ address: withGpus.address }]);
}, 30_000);

afterAll(async () => {
  await stopAll();
  await prometheus?.stop();
  fake?.remove();
  if (emptyPath) rmSync(emptyPath, { recursive: true, force: true });
});

describe('GPU gauges from nvidia-smi on PATH', () => {
  it('serves the seven gauges per GPU to an OpenMetrics scraper, MiB as bytes, [N/A] values left out', async () => {
    const samples = await waitForGpuSamples(withGpus, (lines) => lines.length > 0);
    expect(samples.sort()).toEqual([...H100_SAMPLES, ...A10G_SAMPLES].sort());
    const { contentType, body } = await withGpus.scrape(true);
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    for (const [name, unit] of Object.entries(GAUGE_UNITS)) {
      expect(body).toContain(`# TYPE ${name} gauge\n# UNIT ${name} ${unit}\n`);
    }
    expect(fake.args()).toBe(
      '--query-gpu=index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit --format=csv,noheader,nounits',
    );
    expect(withGpus.app.stderr).toBe('');
  });

  it('the 0.0.4 text format carries the same samples', async () => {
    const { contentType, body } = await withGpus.scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = sampleLines(body).filter((line) => line.startsWith('llm_gpu_'));
    expect(samples.sort()).toEqual([...H100_SAMPLES, ...A10G_SAMPLES].sort());
  });

  it('parses in the real Prometheus', async () => {
    const used = await prometheus.waitFor('llm_gpu_memory_used_bytes', (result) => result.length === 2);
    const byUuid = Object.fromEntries(used.map((sample) => [sample.metric.gpu_uuid, sample]));
    expect(byUuid[H100_UUID]!.value).toBe(61234 * MiB);
    expect(byUuid[H100_UUID]!.metric).toMatchObject({ gpu_id: '0', gpu_name: 'NVIDIA H100 80GB HBM3' });
    expect(byUuid[A10G_UUID]!.value).toBe(10240 * MiB);
    expect(byUuid[A10G_UUID]!.metric).toMatchObject({ gpu_id: '1', gpu_name: 'NVIDIA A10G' });
    const power = await prometheus.query('llm_gpu_power_watts');
    expect(power.map((sample) => [sample.metric.gpu_uuid, sample.value])).toEqual([[H100_UUID, 512.37]]);
    const [scrape] = await prometheus.query(`up{instance="${withGpus.address}"}`);
    expect(scrape!.value).toBe(1);
  });

  it('drops a GPU that vanishes at the next poll, in /metrics and in Prometheus', async () => {
    const callsBefore = fake.calls();
    fake.print(`${fixtureLine('h100.csv')}\n`);
    const vanishedAt = Date.now();
    const samples = await waitForGpuSamples(withGpus, (lines) => !lines.some((line) => line.includes(A10G_UUID)));
    // The next poll (every 0.2 s) drops it; waiting for staleness (two intervals plus the 5 s timeout) would not.
    expect(Date.now() - vanishedAt).toBeLessThan(2000);
    expect(fake.calls()).toBeGreaterThan(callsBefore);
    expect(samples.sort()).toEqual([...H100_SAMPLES].sort());
    const used = await prometheus.waitFor('llm_gpu_memory_used_bytes', (result) => result.length === 1);
    expect(used[0]!.metric.gpu_uuid).toBe(H100_UUID);
  });
});

describe('no nvidia-smi on the machine', () => {
  it('says so in one info line and exposes no GPU series', async () => {
    await withoutGpus.app.waitForLine(/GPU metrics off/);
    await sleep(3 * POLL_INTERVAL_S * 1000); // the poller stopped: no second line comes
    expect(withoutGpus.app.stderr).toBe('[llm-otel-agent] GPU metrics off: nvidia-smi not found (no NVIDIA driver on this machine?)\n');
    for (const openMetrics of [true, false]) {
      const { body } = await withoutGpus.scrape(openMetrics);
      expect(body).not.toContain('llm_gpu_');
    }
  });
});
