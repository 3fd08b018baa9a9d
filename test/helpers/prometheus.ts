// A real Prometheus server for end-to-end tests: the Debian `prometheus` binary (2.42) on 127.0.0.1,
// exemplar storage on, scraping the given targets every second, its data in a temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../demo/free-port.js';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

export interface PrometheusTarget {
  /** host:port */
  address: string;
  metricsPath?: string;
}

export interface VectorSample {
  metric: Record<string, string>;
  value: number;
}

export interface ExemplarSeries {
  seriesLabels: Record<string, string>;
  exemplars: Array<{ labels: Record<string, string>; value: string; timestamp: number }>;
}

export interface PrometheusServer {
  url: string;
  /** An instant query; each sample's value as a number. */
  query(expr: string): Promise<VectorSample[]>;
  /** Exemplars of the series `expr` selects over the last `lookbackS` seconds. */
  queryExemplars(expr: string, lookbackS?: number): Promise<ExemplarSeries[]>;
  /** Polls `query(expr)` until `done` accepts the result, or fails with the last result after `timeoutMs`. */
  waitFor(expr: string, done?: (samples: VectorSample[]) => boolean, timeoutMs?: number): Promise<VectorSample[]>;
  stop(): Promise<void>;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}


const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function scrapeConfig(targets: readonly PrometheusTarget[]): string {
  // YAML is a superset of JSON, so the config is written as JSON.
  return JSON.stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    scrape_configs: targets.map((target, i) => ({
      job_name: `target-${i}`,
      metrics_path: target.metricsPath ?? '/metrics',
      static_configs: [{ targets: [target.address] }],
    })),
  });
}

export async function startPrometheus(targets: readonly PrometheusTarget[]): Promise<PrometheusServer> {
  if (!existsSync(PROMETHEUS_BINARY)) {
    throw new Error(
      `Prometheus binary not found at ${PROMETHEUS_BINARY}: install the Debian package (apt-get install prometheus) ` +
        'or set PROMETHEUS_BINARY',
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'llm-otel-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, scrapeConfig(targets));
  const port = await freePort('127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(url, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }

  async function api<T>(path: string, params: Record<string, string>): Promise<T> {
    const response = await fetch(`${url}${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as ApiResponse<T>;
    if (body.status !== 'success') throw new Error(`Prometheus ${path} failed: ${body.error ?? response.status}`);
    return body.data;
  }

  const query = async (expr: string): Promise<VectorSample[]> => {
    const data = await api<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
      '/api/v1/query',
      { query: expr },
    );
    return data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  };

  return {
    url,
    query,
    queryExemplars: (expr, lookbackS = 300) => {
      const now = Date.now() / 1000;
      return api<ExemplarSeries[]>('/api/v1/query_exemplars', {
        query: expr,
        start: String(now - lookbackS),
        end: String(now + 1),
      });
    },
    waitFor: async (expr, done = (samples) => samples.length > 0, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      let last: VectorSample[] = [];
      while (Date.now() < deadline) {
        last = await query(expr);
        if (done(last)) return last;
        await sleep(250);
      }
      throw new Error(`Prometheus: ${expr} not as expected after ${timeoutMs} ms; last result ${JSON.stringify(last)}`);
    },
    stop,
  };
}

async function waitUntilReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Prometheus exited with code ${child.exitCode}:\n${stderr()}`);
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`Prometheus not ready after 20 s:\n${stderr()}`);
}
