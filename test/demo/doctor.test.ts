// `llm-otel-agent doctor` and the command dispatcher, run as the built CLI.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VARIABLES } from '../../agent/config/variables.js';
import { cleanEnv, runCli } from './cli.js';

let held: Server;
let heldPort: number;

beforeAll(async () => {
  held = createServer();
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
  heldPort = (held.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => held.close(() => resolve())));

describe('llm-otel-agent doctor', () => {
  it('prints the bad value warning and exits 1', async () => {
    const result = await runCli(['doctor'], cleanEnv({ OTEL_TRACES_SAMPLER: 'bogus', OTEL_EXPORTER_PROMETHEUS_PORT: '0' }), 10_000);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('invalid OTEL_TRACES_SAMPLER="bogus"');
    expect(result.stdout).toMatch(/sampler\s+parentbased_always_on/);
  });

  it('reads the metrics and GPU variables through the same readers', async () => {
    const result = await runCli(
      ['doctor'],
      cleanEnv({ LLM_OTEL_MAX_SERIES: '-3', LLM_OTEL_GPU_NVIDIA_SMI: '/nonexistent/nvidia-smi', OTEL_EXPORTER_PROMETHEUS_PORT: '0' }),
      10_000,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('invalid LLM_OTEL_MAX_SERIES="-3"');
    expect(result.stdout).toMatch(/max series per metric\s+1000/);
    expect(result.stdout).toMatch(/nvidia-smi\s+\/nonexistent\/nvidia-smi not found/);
  });

  it('prints the configuration table: every variable, its value or "default", the value used, the rejected ones flagged', async () => {
    const env = cleanEnv({
      LLM_OTEL_STREAM_IDLE_TIMEOUT_MS: '1500',
      OTEL_BSP_MAX_QUEUE_SIZE: 'many',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer sk-doctor-secret',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    });
    const result = await runCli(['doctor'], env, 10_000);
    expect(result.code).toBe(1);
    const table = result.stdout.slice(result.stdout.indexOf('\nvariables ('));
    // Cells are padded apart by two spaces or more; a row is a line that starts with a variable's name.
    const rows = new Map(table.split('\n').filter((line) => /^ {2}[A-Z]/.test(line)).map((line) => line.trim().split(/ {2,}/)).map((cells) => [cells[0]!, cells.slice(1)]));
    expect([...rows.keys()]).toEqual(VARIABLES.map((variable) => variable.name));
    expect(rows.get('LLM_OTEL_STREAM_IDLE_TIMEOUT_MS')).toEqual(['"1500"', '1500']);
    expect(rows.get('OTEL_BSP_MAX_QUEUE_SIZE')).toEqual(['"many"', '2048', 'INVALID (expected an integer >= 1): the default is used']);
    expect(rows.get('OTEL_SDK_DISABLED')).toEqual(['default', 'false']);
    expect(rows.get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')).toEqual(['default', 'http://localhost:4318/v1/traces']);
    expect(rows.get('OTEL_EXPORTER_OTLP_COMPRESSION')).toEqual(['default', 'none', 'read by the OTLP exporters']);
    // Export headers may carry credentials: only their keys are printed.
    expect(rows.get('OTEL_EXPORTER_OTLP_HEADERS')).toEqual(['"authorization=…"', 'authorization=…', 'read by the OTLP exporters']);
    expect(result.stdout).not.toContain('sk-doctor-secret');
    expect(result.stdout).toMatch(/stream idle timeout\s+1500 ms/);
  });

  it('prints no credential of an export URL anywhere, userinfo or key-bearing query', async () => {
    const env = cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://tenant:pw-doctor-secret@collector.example.com:4318/?api_key=key-doctor-secret',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
    });
    const result = await runCli(['doctor'], env, 10_000);
    expect(result.stdout).not.toContain('pw-doctor-secret');
    expect(result.stdout).not.toContain('key-doctor-secret');
    expect(result.stdout).toContain('collector.example.com:4318');
  });

  it('says when the Prometheus port is taken, and exits 0 without bad values', async () => {
    const env = cleanEnv({ OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(heldPort), OTEL_SERVICE_NAME: 'checkout' });
    const result = await runCli(['doctor'], env, 10_000);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain(`http://127.0.0.1:${heldPort}/metrics: not free (EADDRINUSE)`);
    expect(result.stdout).toMatch(/service name\s+checkout/);
    expect(result.stdout).not.toContain('bad value');
  });
});

describe('llm-otel-agent', () => {
  it('prints its usage for --help', async () => {
    const result = await runCli(['--help'], cleanEnv(), 10_000);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^ {2}demo\s/m);
    expect(result.stdout).toMatch(/^ {2}doctor\s/m);
  });

  it('rejects an unknown command with exit code 2', async () => {
    const result = await runCli(['launch'], cleanEnv(), 10_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "launch"');
  });
});
