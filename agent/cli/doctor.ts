// `llm-otel-agent doctor`: what the agent would do if it started with this environment. It reads
// the configuration exactly as start-up does (the same table, the same bad-value messages), prints
// a summary and then the whole table of variables (generated from config/variables.ts: each one's
// value in the environment, what it resolved to, and whether it was rejected), then checks the two
// things start-up cannot tell in advance: whether nvidia-smi is there and whether the Prometheus
// port is free. Exit code 1 when a value was rejected, 0 otherwise.
import { DiagLogLevel } from '@opentelemetry/api';
import { createServer } from 'node:net';
import { formatBadValue, resolveConfig, type AgentConfig, type Env, type GpuConfig, type WarnBadValue } from '../config.js';
import type { ResolvedVariable, Resolution } from '../config/variables.js';
import type { LlmMetricsOptions } from '../metrics/index.js';
import { redactUrl } from '../spans/redact.js';
import { AGENT_VERSION } from '../version.js';
import { findExecutable } from '../find-executable.js';

export interface CliOutput {
  write(text: string): unknown;
}

type PortState = { kind: 'free' } | { kind: 'in-use'; code: string } | { kind: 'any' };

/** Binds the port for a moment, as the agent's endpoint would, then lets it go. */
export function probePort(host: string, port: number): Promise<PortState> {
  if (port === 0) return Promise.resolve({ kind: 'any' });
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve({ kind: 'in-use', code: error.code ?? error.message }));
    server.listen(port, host, () => server.close(() => resolve({ kind: 'free' })));
  });
}

function onOff(value: boolean): string {
  return value ? 'on' : 'off';
}

function section(title: string, entries: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(...entries.map(([key]) => key.length));
  return [title, ...entries.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`), ''];
}

function portText(state: PortState): string {
  if (state.kind === 'free') return 'free';
  if (state.kind === 'any') return 'port 0: any free port';
  return `not free (${state.code}): another process (perhaps the running service) holds it`;
}

function tracesSection(config: AgentConfig, serviceName: string | undefined): string[] {
  const exporters = config.tracesExporters.map((name) => (name === 'otlp' ? `otlp → ${redactUrl(config.otlpTracesUrl)} (${config.otlpTracesProtocol})` : name));
  const usesRatio = config.sampler.endsWith('traceidratio');
  return section('traces', [
    ['service name', serviceName ?? `(OTEL_SERVICE_NAME unset: unknown_service:${process.argv0})`],
    ['exporters', exporters.join(', ')],
    ['sampler', usesRatio ? `${config.sampler} (ratio ${config.samplerRatio})` : config.sampler],
    ['propagators', config.propagators.join(', ')],
    ['HTTP instrumentation', onOff(config.httpInstrumentation)],
    ['content capture', config.captureMessageContent ? `on (up to ${config.captureMaxLength} characters)` : 'off'],
    ['stream include_usage', onOff(config.streamIncludeUsage)],
    ['stream idle timeout', `${config.streamIdleTimeoutMs} ms: a stream with no byte for this long is ended as abandoned`],
    ['shutdown timeout', `${config.shutdownTimeoutMs} ms`],
    ['batch span processor', batchText(config)],
  ]);
}

function batchText({ batchSpanProcessor: bsp }: AgentConfig): string {
  return `every ${bsp.scheduledDelayMillis} ms, up to ${bsp.maxExportBatchSize} spans a batch, ` +
    `${bsp.maxQueueSize} queued at most, ${bsp.exportTimeoutMillis} ms export timeout`;
}

function metricsSection(config: AgentConfig, metrics: LlmMetricsOptions, port: PortState | undefined): string[] {
  const entries: Array<[string, string]> = [['exporters', config.metricsExporters.join(', ')]];
  if (port) entries.push(['Prometheus endpoint', `http://${config.prometheusHost}:${config.prometheusPort}/metrics: ${portText(port)}`]);
  if (config.metricsExporters.includes('otlp')) {
    entries.push(['OTLP metrics', `${redactUrl(config.otlpMetricsUrl)} (${config.otlpMetricsProtocol}) every ${config.metricExportIntervalMs} ms`]);
  }
  entries.push(
    ['naming', metrics.naming],
    ['max series per metric', String(metrics.maxSeries)],
    ['first-token buckets', metrics.buckets.firstToken.join(', ')],
    ['generation buckets', metrics.buckets.generation.join(', ')],
    ['time-per-token buckets', metrics.buckets.timePerToken.join(', ')],
  );
  return section('metrics', entries);
}

function gpuSection(gpu: GpuConfig, nvidiaSmi: string | undefined): string[] {
  const polling = gpu.intervalSeconds > 0;
  return section('GPU', [
    ['polling', polling ? `every ${gpu.intervalSeconds} s (timeout ${gpu.timeoutSeconds} s)` : 'off (LLM_OTEL_GPU_INTERVAL=0)'],
    ['nvidia-smi', nvidiaSmi ? `found: ${nvidiaSmi}` : `${gpu.binary} not found${polling ? ': the agent logs one line and stops polling' : ''}`],
  ]);
}

/** How a resolved value is shown: lists comma-separated, unset as a dash. */
function shown(value: unknown): string {
  if (value === undefined) return '—';
  // Declared model servers are shown as their entries were written.
  if (Array.isArray(value)) return value.length === 0 ? '—' : value.map((item) => (isObject(item) && 'entry' in item ? item.entry : item)).join(',');
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** What may be printed of a value: export headers' keys, never their values; URLs as the spans' redaction rule leaves them. */
function printable(row: ResolvedVariable, text: string): string {
  if (row.variable.secret && row.raw !== undefined) return text.split(',').map((pair) => `${pair.split('=')[0]!.trim()}=…`).join(',');
  return /^https?:\/\//i.test(text) ? redactUrl(text) : text;
}

/** Every row of the configuration table: variable, value in the environment, value used, remark. */
function variablesSection({ rows }: Resolution): string[] {
  const table = rows.map((row) => {
    const { variable, raw, rejected } = row;
    const set = raw === undefined ? 'default' : JSON.stringify(printable(row, raw));
    // A variable an OpenTelemetry package reads is shown with that package's default when unset.
    const used = printable(row, shown(row.value ?? (variable.readBy ? variable.default : undefined)));
    const remark = rejected ? `INVALID (${rejected.reason}): the default is used` : variable.readBy ? `read by ${variable.readBy}` : '';
    return [variable.name, set, used, remark] as const;
  });
  const header = ['variable', 'environment', 'used', ''] as const;
  // A long value (bucket boundaries) overflows its column rather than pushing every remark off the screen.
  const widths = [0, 1, 2].map((column) => Math.max(...[header, ...table].map((cells) => cells[column]!.length).filter((n) => column === 0 || n <= 40)));
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, column) => (column < 3 ? cell.padEnd(widths[column]!) : cell))
      .join('  ')
      .trimEnd()}`;
  return [`variables (all ${rows.length} the agent reads; "default": not set)`, line(header), ...table.map(line), ''];
}

export async function doctor(env: Env, output: CliOutput): Promise<number> {
  const badValues: string[] = [];
  const warn: WarnBadValue = (...bad) => badValues.push(formatBadValue(...bad));
  const { config, variables } = resolveConfig(env, warn);
  const { metrics, gpu } = config;
  const nvidiaSmi = findExecutable(gpu.binary, env);
  const port = config.metricsExporters.includes('prometheus') ? await probePort(config.prometheusHost, config.prometheusPort) : undefined;

  const lines = [`llm-otel-agent ${AGENT_VERSION} doctor: the configuration the agent reads from this environment`, ''];
  if (badValues.length > 0) {
    lines.push(`${badValues.length} bad value(s): the agent warns about each at start-up and uses the default`, ...badValues.map((text) => `  warning: ${text}`), '');
  }
  lines.push(
    ...section('agent', [
      ['enabled', config.disabled ? 'no (OTEL_SDK_DISABLED=true)' : 'yes'],
      ['log level', (DiagLogLevel[config.logLevel] ?? String(config.logLevel)).toLowerCase()],
    ]),
    ...tracesSection(config, variables.values.OTEL_SERVICE_NAME),
    ...metricsSection(config, metrics, port),
    ...gpuSection(gpu, nvidiaSmi),
    ...variablesSection(variables),
  );
  output.write(`${lines.join('\n').trimEnd()}\n`);
  return badValues.length > 0 ? 1 : 0;
}
