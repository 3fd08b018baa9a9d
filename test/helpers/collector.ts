// The real OpenTelemetry Collector (otelcol-llm, built by test/setup/global.ts from
// collector/distribution/) running a config file shipped in this repository, unchanged: every
// address the file names is an ${env:...} variable, so each instance gets free loopback ports here.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { freePort } from '../../demo/free-port.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

export function collectorBinary(): string {
  const binary = process.env.LLM_TEST_OTELCOL;
  if (!binary) throw new Error('LLM_TEST_OTELCOL is not set: test/setup/global.ts builds the collector (run through vitest)');
  return binary;
}

export interface CollectorOptions {
  /** Config files, relative to the repository root; later files merge over earlier ones. */
  configs: string[];
  /** More ${env:...} values (decision_wait, the trace store, the gateways). */
  env?: Record<string, string>;
}

export interface RunningCollector {
  /** OTLP/HTTP base URL (exporters append /v1/traces). */
  readonly otlpHttpUrl: string;
  /** host:port of the OTLP gRPC receiver. */
  readonly otlpGrpc: string;
  /** host:port of the prometheus exporter. */
  readonly prometheusExporter: string;
  /** host:port of the collector's own metrics (otelcol_receiver_accepted_spans, …). */
  readonly telemetry: string;
  readonly logs: string;
  /** SIGTERM and wait; the ports stay reserved for start() again. */
  stop(): Promise<void>;
  /** Starts it again on the same ports, e.g. after an outage. */
  start(): Promise<void>;
}

async function waitHealthy(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}:\n${logs()}`);
    const healthy = await fetch(url).then((r) => r.ok, () => false);
    if (healthy) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`collector not healthy within 20 s:\n${logs()}`);
}

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const host = '127.0.0.1';
  const [http, grpc, health, prom, telemetry] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort(host)));
  const env = {
    PATH: process.env.PATH ?? '',
    OTLP_HTTP_ENDPOINT: `${host}:${http}`,
    OTLP_GRPC_ENDPOINT: `${host}:${grpc}`,
    HEALTH_CHECK_ENDPOINT: `${host}:${health}`,
    PROMETHEUS_EXPORTER_ENDPOINT: `${host}:${prom}`,
    COLLECTOR_TELEMETRY_HOST: host,
    COLLECTOR_TELEMETRY_PORT: String(telemetry),
    ...options.env,
  };
  const args = options.configs.map((config) => `--config=${resolve(REPO_ROOT, config)}`);
  let child: ChildProcess | undefined;
  let logs = '';

  const start = async (): Promise<void> => {
    const started = spawn(collectorBinary(), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const keep = (chunk: Buffer) => (logs = (logs + chunk.toString()).slice(-20_000));
    started.stdout!.on('data', keep);
    started.stderr!.on('data', keep);
    await waitHealthy(`http://${host}:${health}/`, started, () => logs);
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGTERM');
    const killer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await once(running, 'exit');
    clearTimeout(killer);
  };
  running.add(stop);
  await start();
  return {
    otlpHttpUrl: `http://${host}:${http}`,
    otlpGrpc: `${host}:${grpc}`,
    prometheusExporter: `${host}:${prom}`,
    telemetry: `${host}:${telemetry}`,
    get logs() {
      return logs;
    },
    stop,
    start,
  };
}

const running = new Set<() => Promise<void>>();

/** Stops every collector this file started. */
export async function stopAllCollectors(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
  running.clear();
}

/** `otelcol-llm validate` of a shipped config with its env defaults: the exit code and what it said. */
export async function validateConfig(config: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(collectorBinary(), ['validate', `--config=${resolve(REPO_ROOT, config)}`], {
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, output };
}
