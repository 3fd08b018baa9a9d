// Every variable in the README's configuration table, proven by its effect: each row starts the
// service in env-table-app.mjs under `node --import llm-otel-agent` with the row's variables, drives
// it, and observes what a user would see (an export arriving, a header on it, a resource attribute,
// a port, a log line). A variable the table documents but no row covers fails the first test.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { VARIABLES } from '../../agent/config/variables.js';
import { freePort } from '../../demo/free-port.js';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { FakeNvidiaSmi } from '../gpu/fake-nvidia-smi.js';
import { startApp, stopAll, type ChildApp } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedRequest } from '../helpers/otlp-receiver.js';

const APP = readFileSync(new URL('./env-table-app.mjs', import.meta.url), 'utf8');
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const MODEL_SPAN = 'chat gpt-4o-mini';

/** The plain HTTP server the app's fetch calls reach; it keeps each request's headers. */
interface Upstream {
  url: string;
  headers: IncomingHttpHeaders[];
}

interface Row {
  /** The README variables this row proves. */
  variables: string[];
  /** What the row shows, as the test's name. */
  shows: string;
  env?: (ctx: Context) => Record<string, string>;
  /** Before the app starts (a hung collector, a taken port). */
  before?: (ctx: Context) => Promise<void> | void;
  /** Drives the app and asserts; the default drive is one /work. */
  observe: (ctx: Context) => Promise<void>;
}

interface Context {
  receiver: OtlpReceiver;
  upstream: Upstream;
  sim: ModelSimulator;
  metricsPort: number;
  app: ChildApp;
  /** GET /work on the app, with a query string and request headers. */
  work(query?: string, headers?: Record<string, string>): Promise<void>;
  /** /metrics of the app's endpoint as text (OpenMetrics), or the connection error's code. */
  scrape(host?: string): Promise<string>;
  traceRequests(): ReceivedRequest[];
  metricRequests(): ReceivedRequest[];
  /** Waits until a trace and a metric export both arrived. */
  bothExports(): Promise<void>;
  /** The first request the receiver got, whatever its path. */
  firstRequest(): Promise<ReceivedRequest>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(probe: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

const otlpMetrics = { OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '200' };
const hungCollector = (ctx: Context) => void (ctx.receiver.respondDelayMs = 5000);
/** How long after its arrival the exporter abandoned the first request of `requests`. */
const gaveUpAfter = (requests: ReceivedRequest[]) => requests[0]!.clientGaveUpAt! - requests[0]!.receivedAt;
const resourceOf = (ctx: Context) => ctx.receiver.spans.find((s) => s.name === MODEL_SPAN)!.resource;
const modelSpan = async (ctx: Context) => (await ctx.receiver.waitForSpans((s) => s.some((x) => x.name === MODEL_SPAN))).find((s) => s.name === MODEL_SPAN)!;
const seriesOf = (text: string, metric: string) => text.split('\n').filter((line) => line.startsWith(metric));

const ROWS: Row[] = [
  {
    variables: ['OTEL_SDK_DISABLED'],
    shows: 'true: nothing exported, no /metrics, no propagation header',
    env: () => ({ OTEL_SDK_DISABLED: 'true' }),
    async observe(ctx) {
      await ctx.work();
      await sleep(800);
      expect(ctx.receiver.requests).toEqual([]);
      expect(ctx.upstream.headers[0]!.traceparent).toBeUndefined();
      expect(await ctx.scrape()).toBe('ECONNREFUSED');
    },
  },
  {
    variables: ['OTEL_SERVICE_NAME'],
    shows: 'names service.name on every span and in target_info',
    env: () => ({ OTEL_SERVICE_NAME: 'env-table-svc' }),
    async observe(ctx) {
      await ctx.work();
      await modelSpan(ctx);
      expect(new Set(ctx.receiver.spans.map((s) => s.resource['service.name']))).toEqual(new Set(['env-table-svc']));
      expect(await ctx.scrape()).toMatch(/service_name="env-table-svc"/);
    },
  },
  {
    variables: ['OTEL_RESOURCE_ATTRIBUTES'],
    shows: 'adds resource attributes',
    env: () => ({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=llm' }),
    async observe(ctx) {
      await ctx.work();
      await modelSpan(ctx);
      expect(resourceOf(ctx)).toMatchObject({ 'deployment.environment.name': 'staging', team: 'llm' });
    },
  },
  {
    variables: ['OTEL_LOG_LEVEL'],
    shows: 'none silences even the bad-value warning that info prints',
    env: () => ({ OTEL_LOG_LEVEL: 'none', OTEL_TRACES_SAMPLER: 'sometimes' }),
    async observe(ctx) {
      await ctx.work();
      await ctx.app.stop();
      expect(ctx.app.stderr).toBe('');
    },
  },
  {
    variables: ['OTEL_LOG_LEVEL'],
    shows: 'debug writes the SDK\'s own diagnostics, which info leaves out',
    env: () => ({ OTEL_LOG_LEVEL: 'debug' }),
    async observe(ctx) {
      await ctx.work();
      await modelSpan(ctx);
      await ctx.app.stop();
      expect(ctx.app.stderr).toMatch(/debug/i);
    },
  },
  {
    variables: ['OTEL_TRACES_EXPORTER'],
    shows: 'console prints spans on stdout and sends none over OTLP',
    env: () => ({ OTEL_TRACES_EXPORTER: 'console' }),
    async observe(ctx) {
      await ctx.work();
      await ctx.app.stop();
      expect(ctx.app.stdout).toContain(`name: '${MODEL_SPAN}'`);
      expect(ctx.traceRequests()).toEqual([]);
    },
  },
  {
    variables: ['OTEL_TRACES_EXPORTER'],
    shows: 'none exports no span, and the metrics still count the call',
    env: () => ({ OTEL_TRACES_EXPORTER: 'none' }),
    async observe(ctx) {
      await ctx.work();
      await sleep(600);
      expect(ctx.traceRequests()).toEqual([]);
      expect(seriesOf(await ctx.scrape(), 'llm_requests_total{')[0]).toMatch(/ 1( #.*)?$/);
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_ENDPOINT'],
    shows: 'is the base URL: traces go to its /v1/traces',
    env: (ctx) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `${ctx.receiver.url}/base/` }),
    async observe(ctx) {
      await ctx.work();
      expect((await ctx.firstRequest()).path).toBe('/base/v1/traces');
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
    shows: 'is used as is, and wins over the general endpoint',
    env: (ctx) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${ctx.receiver.url}/custom/traces` }),
    async observe(ctx) {
      await ctx.work();
      expect((await ctx.firstRequest()).path).toBe('/custom/traces');
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_PROTOCOL'],
    shows: 'http/json sends traces and metrics as JSON',
    env: () => ({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', ...otlpMetrics }),
    async observe(ctx) {
      await ctx.work();
      await ctx.bothExports();
      expect(ctx.traceRequests()[0]!.contentType).toMatch(/^application\/json/);
      expect(ctx.metricRequests()[0]!.contentType).toMatch(/^application\/json/);
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'],
    shows: 'http/json for traces alone, metrics staying protobuf',
    env: () => ({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', ...otlpMetrics }),
    async observe(ctx) {
      await ctx.work();
      await ctx.bothExports();
      expect(ctx.traceRequests()[0]!.contentType).toMatch(/^application\/json/);
      expect(ctx.metricRequests()[0]!.contentType).toBe('application/x-protobuf');
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', 'OTEL_EXPORTER_OTLP_METRICS_HEADERS'],
    shows: 'headers on every export request, the signal\'s own added to the general ones',
    env: () => ({
      OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=acme',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-signal=traces',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-signal=metrics',
      ...otlpMetrics,
    }),
    async observe(ctx) {
      await ctx.work();
      await ctx.bothExports();
      expect(ctx.traceRequests()[0]!.headers).toMatchObject({ 'x-tenant': 'acme', 'x-signal': 'traces' });
      expect(ctx.metricRequests()[0]!.headers).toMatchObject({ 'x-tenant': 'acme', 'x-signal': 'metrics' });
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_TIMEOUT'],
    shows: 'a hung collector\'s export request is abandoned after that many ms',
    before: hungCollector,
    env: () => ({ OTEL_EXPORTER_OTLP_TIMEOUT: '300' }),
    async observe(ctx) {
      await ctx.work();
      await until(() => ctx.traceRequests()[0]?.clientGaveUpAt, 5000, 'the exporter giving up');
      expect(gaveUpAfter(ctx.traceRequests())).toBeGreaterThan(250);
      expect(gaveUpAfter(ctx.traceRequests())).toBeLessThan(1500);
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', 'OTEL_EXPORTER_OTLP_METRICS_TIMEOUT'],
    shows: 'each signal\'s own timeout',
    before: hungCollector,
    env: () => ({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '300', OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '600', ...otlpMetrics }),
    async observe(ctx) {
      await ctx.work();
      await until(() => ctx.traceRequests()[0]?.clientGaveUpAt && ctx.metricRequests()[0]?.clientGaveUpAt, 5000, 'both exporters giving up');
      expect(gaveUpAfter(ctx.traceRequests())).toBeGreaterThan(250);
      expect(gaveUpAfter(ctx.traceRequests())).toBeLessThan(550);
      expect(gaveUpAfter(ctx.metricRequests())).toBeGreaterThan(550);
      expect(gaveUpAfter(ctx.metricRequests())).toBeLessThan(1800);
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_COMPRESSION'],
    shows: 'gzip compresses every export',
    env: () => ({ OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip', ...otlpMetrics }),
    async observe(ctx) {
      await ctx.work();
      await ctx.bothExports();
      expect(ctx.traceRequests()[0]!.contentEncoding).toBe('gzip');
      expect(ctx.metricRequests()[0]!.contentEncoding).toBe('gzip');
      await modelSpan(ctx);
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', 'OTEL_EXPORTER_OTLP_METRICS_COMPRESSION'],
    shows: 'each signal\'s own compression',
    env: () => ({ OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip', OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'none', ...otlpMetrics }),
    async observe(ctx) {
      await ctx.work();
      await ctx.bothExports();
      expect(ctx.traceRequests()[0]!.contentEncoding).toBe('gzip');
      expect(ctx.metricRequests()[0]!.contentEncoding).toBeUndefined();
    },
  },
  {
    variables: ['OTEL_BSP_SCHEDULE_DELAY'],
    shows: '200: a service that calls process.exit 2 s after its last call has exported it',
    env: () => ({ OTEL_BSP_SCHEDULE_DELAY: '200', EXIT_AFTER_MS: '2000' }),
    async observe(ctx) {
      await ctx.work();
      await ctx.app.exited;
      expect(ctx.receiver.spans.map((s) => s.name)).toContain(MODEL_SPAN);
    },
  },
  {
    variables: ['OTEL_BSP_SCHEDULE_DELAY'],
    shows: 'unset, the default 5 s delay: the same service exits before anything is exported',
    // Empty reads as unset (the rows' common environment sets a short delay).
    env: () => ({ OTEL_BSP_SCHEDULE_DELAY: '', EXIT_AFTER_MS: '2000' }),
    async observe(ctx) {
      await ctx.work();
      await ctx.app.exited;
      expect(ctx.receiver.spans).toEqual([]);
    },
  },
  {
    variables: ['OTEL_BSP_MAX_QUEUE_SIZE'],
    shows: '10: while a slow collector holds the first batch of 10, 10 more are queued and the other 22 dropped',
    before: (ctx) => void (ctx.receiver.respondDelayMs = 2000),
    env: () => ({ OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    async observe(ctx) {
      await ctx.work('plain=40');
      // The queue, full at 10, went out as one batch at once; the next batch waits for its answer.
      await until(() => ctx.traceRequests().length === 2, 5000, 'the second batch');
      await ctx.app.stop();
      expect(ctx.traceRequests().map((r) => r.spanCount)).toEqual([10, 10]);
    },
  },
  {
    variables: ['OTEL_BSP_MAX_EXPORT_BATCH_SIZE'],
    shows: '5: no export request carries more than 5 spans',
    env: () => ({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5', OTEL_BSP_SCHEDULE_DELAY: '60000' }),
    async observe(ctx) {
      await ctx.work('plain=20');
      await ctx.app.stop();
      expect(ctx.receiver.spans.length).toBe(22);
      expect(Math.max(...ctx.traceRequests().map((r) => r.spanCount))).toBe(5);
    },
  },
  {
    variables: ['OTEL_BSP_EXPORT_TIMEOUT'],
    shows: '300: the processor stops waiting on a hung export and sends the next batch',
    before: hungCollector,
    env: () => ({ OTEL_BSP_EXPORT_TIMEOUT: '300', OTEL_BSP_SCHEDULE_DELAY: '100' }),
    async observe(ctx) {
      await ctx.work('plain=0');
      await until(() => ctx.traceRequests().length === 1, 5000, 'the first export');
      await ctx.work('plain=0');
      // The first request is still held by the collector; the second arrives all the same.
      await until(() => ctx.traceRequests().length === 2, 3000, 'a second export while the first hangs');
      expect(ctx.traceRequests()[0]!.clientGaveUpAt).toBeUndefined();
    },
  },
  {
    variables: ['OTEL_TRACES_SAMPLER'],
    shows: 'always_off exports nothing, and the model call is still counted',
    env: () => ({ OTEL_TRACES_SAMPLER: 'always_off' }),
    async observe(ctx) {
      await ctx.work();
      await sleep(600);
      expect(ctx.receiver.spans).toEqual([]);
      expect(seriesOf(await ctx.scrape(), 'llm_requests_total{')[0]).toMatch(/ 1$/);
    },
  },
  {
    variables: ['OTEL_TRACES_SAMPLER_ARG'],
    shows: 'traceidratio with 0 keeps no trace, with 1 every trace',
    env: () => ({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' }),
    async observe(ctx) {
      await ctx.work('calls=3');
      await sleep(600);
      expect(ctx.receiver.spans).toEqual([]);
    },
  },
  {
    variables: ['OTEL_TRACES_SAMPLER_ARG'],
    shows: 'traceidratio with 1 keeps every trace',
    env: () => ({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }),
    async observe(ctx) {
      await ctx.work('calls=3');
      await ctx.receiver.waitForSpans((spans) => spans.filter((s) => s.name === MODEL_SPAN).length === 3);
    },
  },
  {
    variables: ['OTEL_PROPAGATORS'],
    shows: 'none sends no traceparent and no baggage',
    env: () => ({ OTEL_PROPAGATORS: 'none' }),
    async observe(ctx) {
      await ctx.work('', { baggage: 'tenant=acme' });
      expect(ctx.upstream.headers[0]).not.toHaveProperty('traceparent');
      expect(ctx.upstream.headers[0]).not.toHaveProperty('baggage');
    },
  },
  {
    variables: ['OTEL_PROPAGATORS'],
    shows: 'baggage alone carries the baggage and no traceparent',
    env: () => ({ OTEL_PROPAGATORS: 'baggage' }),
    async observe(ctx) {
      await ctx.work('', { baggage: 'tenant=acme' });
      expect(ctx.upstream.headers[0]).not.toHaveProperty('traceparent');
      expect(ctx.upstream.headers[0]!.baggage).toBe('tenant=acme');
    },
  },
  {
    variables: ['OTEL_METRICS_EXPORTER'],
    shows: 'none serves no /metrics',
    env: () => ({ OTEL_METRICS_EXPORTER: 'none' }),
    async observe(ctx) {
      await ctx.work();
      expect(await ctx.scrape()).toBe('ECONNREFUSED');
    },
  },
  {
    variables: ['OTEL_METRICS_EXPORTER'],
    shows: 'otlp,prometheus pushes the model-call metrics and serves them too',
    env: () => ({ ...otlpMetrics, OTEL_METRICS_EXPORTER: 'otlp,prometheus' }),
    async observe(ctx) {
      await ctx.work();
      await until(() => ctx.metricRequests().some((r) => r.body.includes('llm_requests_total')), 5000, 'a push with the model-call metrics');
      expect(await ctx.scrape()).toMatch(/^llm_requests_total\{/m);
    },
  },
  {
    variables: ['OTEL_EXPORTER_PROMETHEUS_HOST'],
    shows: 'where /metrics listens: 127.0.0.2 answers, 127.0.0.1 does not',
    env: () => ({ OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.2' }),
    async observe(ctx) {
      await ctx.work();
      expect(await ctx.scrape('127.0.0.2')).toMatch(/^llm_requests_total\{/m);
      expect(await ctx.scrape('127.0.0.1')).toBe('ECONNREFUSED');
    },
  },
  {
    variables: ['OTEL_EXPORTER_PROMETHEUS_PORT'],
    shows: 'a taken port: one warning, no endpoint, the service unaffected',
    async before(ctx) {
      const squatter = createServer((_req, res) => res.end('not the agent'));
      squatter.listen(ctx.metricsPort, '127.0.0.1');
      await once(squatter, 'listening');
      squatters.push(squatter);
    },
    async observe(ctx) {
      await ctx.work();
      await modelSpan(ctx);
      await ctx.app.stop();
      const warnings = ctx.app.stderr.split('\n').filter((line) => line.includes(`:${ctx.metricsPort}`));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/EADDRINUSE/);
    },
  },
  {
    variables: ['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL'],
    shows: 'the metric push\'s own URL, used as is, and its own protocol',
    env: (ctx) => ({ ...otlpMetrics, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${ctx.receiver.url}/m`, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json' }),
    async observe(ctx) {
      await ctx.work();
      const push = await until(() => ctx.receiver.requests.find((r) => r.path === '/m'), 5000, 'a push to /m');
      expect(push.contentType).toMatch(/^application\/json/);
      expect(ctx.traceRequests()[0]?.contentType ?? 'application/x-protobuf').toBe('application/x-protobuf');
    },
  },
  {
    variables: ['OTEL_METRIC_EXPORT_INTERVAL'],
    shows: '200 ms between pushes: at least four pushes in 1.5 s',
    env: () => ({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '200' }),
    async observe(ctx) {
      await ctx.work();
      const first = await until(() => ctx.metricRequests()[0], 5000, 'a first push');
      await sleep(1500);
      expect(ctx.metricRequests().filter((r) => r.receivedAt > first.receivedAt).length).toBeGreaterThanOrEqual(4);
    },
  },
  {
    variables: ['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'],
    shows: 'true records the prompt and the completion (off by default)',
    env: () => ({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }),
    async observe(ctx) {
      await ctx.work();
      const span = await modelSpan(ctx);
      expect(span.attributes['gen_ai.input.messages']).toContain('Say something about the configuration table.');
      expect(span.attributes['gen_ai.output.messages']).toBeTypeOf('string');
    },
  },
  {
    variables: ['OTEL_SEMCONV_STABILITY_OPT_IN'],
    shows: 'http,gen_ai_latest_experimental with the otel names: a chat call on gen_ai.client.inference.*, none on the v1.41 names, no warning',
    env: () => ({ OTEL_SEMCONV_STABILITY_OPT_IN: 'http,gen_ai_latest_experimental', LLM_OTEL_METRICS_NAMING: 'otel' }),
    async observe(ctx) {
      await ctx.work();
      const text = await ctx.scrape();
      expect(text).toMatch(/^gen_ai_client_inference_duration_seconds_bucket\{/m);
      expect(text).toMatch(/^gen_ai_client_inference_time_to_first_chunk_seconds_bucket\{/m);
      expect(text).not.toMatch(/^gen_ai_client_operation_duration_seconds/m);
      await ctx.app.stop();
      expect(ctx.app.stderr).toBe('');
    },
  },
  {
    variables: ['OTEL_SEMCONV_STABILITY_OPT_IN'],
    shows: 'an unknown GenAI value: one warning naming it, and v1.41\'s names',
    env: () => ({ OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest', LLM_OTEL_METRICS_NAMING: 'otel' }),
    async observe(ctx) {
      await ctx.work();
      expect(await ctx.scrape()).toMatch(/^gen_ai_client_operation_duration_seconds_bucket\{/m);
      await ctx.app.stop();
      expect(ctx.app.stderr.match(/OTEL_SEMCONV_STABILITY_OPT_IN="gen_ai_latest"/g)).toHaveLength(1);
    },
  },
  {
    variables: ['LLM_OTEL_CAPTURE_MAX_LENGTH'],
    shows: '12 cuts each captured attribute to 12 characters, marked as cut',
    env: () => ({ OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true', LLM_OTEL_CAPTURE_MAX_LENGTH: '12' }),
    async observe(ctx) {
      await ctx.work();
      const span = await modelSpan(ctx);
      expect(span.attributes['gen_ai.input.messages']).toMatch(/^\[\{"role":"us…\[truncated \d+ chars\]$/);
    },
  },
  {
    variables: ['LLM_OTEL_STREAM_INCLUDE_USAGE'],
    shows: 'true asks the stream for usage: real token counts instead of an estimate',
    env: () => ({ LLM_OTEL_STREAM_INCLUDE_USAGE: 'true' }),
    async observe(ctx) {
      await ctx.work();
      const span = await modelSpan(ctx);
      expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
      expect(span.attributes['llm.usage.output_tokens_estimate']).toBeUndefined();
    },
  },
  {
    variables: ['LLM_OTEL_STREAM_IDLE_TIMEOUT_MS'],
    shows: '1500: a stream the model holds open and the service never reads is ended as abandoned within seconds',
    env: () => ({ LLM_OTEL_STREAM_IDLE_TIMEOUT_MS: '1500' }),
    async observe(ctx) {
      await ctx.work('hang=1&plain=0');
      // The sweep runs every max(1 s, timeout / 4): the span ends between 1.5 and about 2.5 s.
      const span = (await ctx.receiver.waitForSpans((s) => s.some((x) => x.name === MODEL_SPAN), 6000)).find((s) => s.name === MODEL_SPAN)!;
      expect(span.attributes['llm.response.end']).toBe('abandoned');
      const seconds = Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e9;
      expect(seconds).toBeGreaterThanOrEqual(1.5);
      expect(seconds).toBeLessThan(4);
    },
  },
  {
    variables: ['LLM_OTEL_STREAM_IDLE_TIMEOUT_MS'],
    shows: 'unset, the default 10 minutes: the same stream is still open 3 s later',
    async observe(ctx) {
      await ctx.work('hang=1&plain=0');
      await sleep(3000);
      expect(ctx.receiver.spans.filter((s) => s.name === MODEL_SPAN)).toEqual([]);
      // Ended by the shutdown (cancelled), not by the idle sweep (abandoned).
      await ctx.app.stop();
      expect((await modelSpan(ctx)).attributes['llm.response.end']).toBe('cancelled');
    },
  },
  {
    variables: ['LLM_OTEL_MODEL_SERVERS'],
    shows: 'the simulator\'s /v1 declared an Ollama server: its OpenAI path is an ollama model call; a bad entry, one warning naming it',
    env: (ctx) => ({ LLM_OTEL_MODEL_SERVERS: `ftp://files.internal=ollama,${ctx.sim.url}/v1=ollama` }),
    async observe(ctx) {
      await ctx.work();
      expect((await modelSpan(ctx)).attributes['gen_ai.provider.name']).toBe('ollama');
      await ctx.app.stop();
      const warnings = ctx.app.stderr.split('\n').filter((line) => line.includes('LLM_OTEL_MODEL_SERVERS'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('"ftp://files.internal=ollama"');
    },
  },
  {
    variables: ['LLM_OTEL_METRICS_NAMING'],
    shows: 'otel exposes the GenAI convention names instead of llm_*',
    env: () => ({ LLM_OTEL_METRICS_NAMING: 'otel' }),
    async observe(ctx) {
      await ctx.work();
      const text = await ctx.scrape();
      expect(text).toMatch(/^gen_ai_client_operation_duration_seconds_bucket\{/m);
      expect(text).not.toMatch(/^llm_requests_total/m);
    },
  },
  {
    variables: ['LLM_OTEL_MAX_SERIES'],
    shows: '2: the third model\'s calls fold into model="other", with one warning',
    env: () => ({ LLM_OTEL_MAX_SERIES: '2' }),
    async observe(ctx) {
      await ctx.work('calls=3&plain=0&models=m-one,m-two,m-three');
      const series = seriesOf(await ctx.scrape(), 'llm_requests_total{');
      expect(series).toHaveLength(3);
      expect(series.some((line) => line.includes('model="other"'))).toBe(true);
      expect(series.some((line) => line.includes('model="m-three"'))).toBe(false);
      await ctx.app.stop();
      expect(ctx.app.stderr.match(/LLM_OTEL_MAX_SERIES/g)).toHaveLength(1);
    },
  },
  {
    variables: ['LLM_OTEL_BUCKETS_FIRST_TOKEN', 'LLM_OTEL_BUCKETS_GENERATION', 'LLM_OTEL_BUCKETS_TIME_PER_TOKEN'],
    shows: 'each histogram\'s bucket boundaries',
    env: () => ({ LLM_OTEL_BUCKETS_FIRST_TOKEN: '0.25,4', LLM_OTEL_BUCKETS_GENERATION: '3,30', LLM_OTEL_BUCKETS_TIME_PER_TOKEN: '0.01' }),
    async observe(ctx) {
      await ctx.work();
      const text = await ctx.scrape();
      const bounds = (metric: string) => seriesOf(text, `${metric}_bucket{`).map((line) => line.match(/le="([^"]+)"/)![1]);
      expect(bounds('llm_first_token_latency_seconds')).toEqual(['0.25', '4.0', '+Inf']);
      expect(bounds('llm_generation_latency_seconds')).toEqual(['3.0', '30.0', '+Inf']);
      expect(bounds('llm_time_per_output_token_seconds')).toEqual(['0.01', '+Inf']);
    },
  },
  {
    variables: ['LLM_OTEL_GPU_NVIDIA_SMI', 'LLM_OTEL_GPU_INTERVAL'],
    shows: 'the binary polled, every 0.2 s',
    env: () => ({ LLM_OTEL_GPU_NVIDIA_SMI: gpu.path, LLM_OTEL_GPU_INTERVAL: '0.2' }),
    async observe(ctx) {
      const start = gpu.calls();
      await sleep(1500);
      expect(gpu.calls() - start).toBeGreaterThanOrEqual(4);
      expect(await ctx.scrape()).toMatch(/^llm_gpu_utilization_percent\{gpu_id="0"[^}]*\} 87$/m);
    },
  },
  {
    variables: ['LLM_OTEL_GPU_INTERVAL'],
    shows: '0 turns the poller off: the binary never runs',
    env: () => ({ LLM_OTEL_GPU_NVIDIA_SMI: gpu.path, LLM_OTEL_GPU_INTERVAL: '0' }),
    async observe(ctx) {
      const start = gpu.calls();
      await ctx.work();
      await sleep(500);
      expect(gpu.calls()).toBe(start);
    },
  },
  {
    variables: ['LLM_OTEL_GPU_TIMEOUT'],
    shows: '0.3: a hung nvidia-smi is killed and reported within the second',
    env: () => ({ LLM_OTEL_GPU_NVIDIA_SMI: hungGpu.path, LLM_OTEL_GPU_TIMEOUT: '0.3', LLM_OTEL_GPU_INTERVAL: '60' }),
    async observe(ctx) {
      const line = await ctx.app.waitForLine(/GPU metrics: .*/, 3000);
      expect(line[0]).toMatch(/0\.3 s|300 ms|timed out|did not answer/);
    },
  },
  {
    variables: ['LLM_OTEL_SHUTDOWN_TIMEOUT_MS'],
    shows: '300: SIGTERM with a hung collector exits within the second, saying what was dropped',
    before: hungCollector,
    env: () => ({ LLM_OTEL_SHUTDOWN_TIMEOUT_MS: '300' }),
    async observe(ctx) {
      await ctx.work();
      const stoppedAt = performance.now();
      await ctx.app.stop(5000);
      expect(performance.now() - stoppedAt).toBeLessThan(1500);
      expect(ctx.app.stderr).toMatch(/shutdown did not finish within 300 ms/);
    },
  },
  {
    variables: ['LLM_OTEL_HTTP_INSTRUMENTATION'],
    shows: 'false: only the model-call span, no inbound or plain outbound HTTP span',
    env: () => ({ LLM_OTEL_HTTP_INSTRUMENTATION: 'false' }),
    async observe(ctx) {
      await ctx.work();
      await modelSpan(ctx);
      await ctx.app.stop();
      expect(ctx.receiver.spans.map((s) => s.name)).toEqual([MODEL_SPAN]);
    },
  },
  {
    variables: ['LLM_OTEL_TEST_FAULT'],
    shows: 'start: the agent fails to start, the service runs without it, one error line',
    env: () => ({ LLM_OTEL_TEST_FAULT: 'start' }),
    async observe(ctx) {
      await ctx.work();
      await ctx.app.stop();
      expect(ctx.app.stderr.trim().split('\n')).toHaveLength(1);
      expect(ctx.receiver.requests).toEqual([]);
    },
  },
];

/** The defaults, seen once: the README's default column, for the behaviours the rows change. */
const DEFAULTS: Row = {
  variables: [],
  shows: 'defaults: protobuf to /v1/traces, traceparent sent, no content, llm_* names',
  async observe(ctx) {
    await ctx.work('', { baggage: 'tenant=acme' });
    const span = await modelSpan(ctx);
    expect(ctx.traceRequests()[0]).toMatchObject({ path: '/v1/traces', contentType: 'application/x-protobuf', contentEncoding: undefined });
    expect(ctx.upstream.headers[0]!.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(ctx.upstream.headers[0]!.baggage).toBe('tenant=acme');
    expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(span.attributes['llm.usage.output_tokens_estimate']).toBeGreaterThan(0);
    expect(span.attributes['gen_ai.provider.name']).toBe('openai');
    expect(resourceOf(ctx)['service.name']).toBe(`unknown_service:${process.execPath}`);
    expect(await ctx.scrape()).toMatch(/^llm_requests_total\{/m);
    await ctx.app.stop();
    expect(ctx.app.stderr).toBe('');
  },
};

/** The rows of the README's configuration table: the backticked variables of the first column, and the default column. */
function documentedRows(): Array<{ variables: string[]; default: string }> {
  const section = README.slice(README.indexOf('## Configuration'), README.indexOf('## Safety'));
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split(' | '))
    .map(([first, defaultCell]) => ({ variables: [...first!.matchAll(/`((?:OTEL|LLM_OTEL)_[A-Z0-9_]+)`/g)].map((m) => m[1]!), default: defaultCell! }));
}

/** Every backticked variable in the first column of the README's configuration table. */
function documentedVariables(): string[] {
  return [...new Set(documentedRows().flatMap((row) => row.variables))];
}

let sim: ModelSimulator;
let upstreamServer: Server;
let upstream: Upstream;
const gpu = new FakeNvidiaSmi().printFixture('h100.csv');
const hungGpu = new FakeNvidiaSmi().hang();
const squatters: Server[] = [];

beforeAll(async () => {
  sim = await startModelSimulator();
  upstream = { url: '', headers: [] };
  upstreamServer = createServer((req, res) => {
    upstream.headers.push(req.headers);
    res.end('plain');
  });
  upstreamServer.listen(0, '127.0.0.1');
  await once(upstreamServer, 'listening');
  upstream.url = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await stopAll();
  for (const squatter of squatters.splice(0)) squatter.close();
  upstream.headers.length = 0;
});
afterAll(async () => {
  await sim?.close();
  upstreamServer?.close();
  gpu.remove();
  hungGpu.remove();
});

async function scrapeText(host: string, port: number): Promise<string> {
  try {
    const response = await fetch(`http://${host}:${port}/metrics`, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } });
    return await response.text();
  } catch (error) {
    return ((error as { cause?: { code?: string } }).cause?.code ?? String(error));
  }
}

async function runRow(row: Row): Promise<void> {
  const receiver = await startOtlpReceiver();
  try {
    const metricsPort = await freePort('127.0.0.1');
    const ctx = { receiver, upstream, sim, metricsPort } as Context;
    ctx.traceRequests = () => receiver.requests.filter((r) => r.signal === 'traces');
    ctx.metricRequests = () => receiver.requests.filter((r) => r.signal === 'metrics' || r.path === '/m');
    ctx.scrape = (host = '127.0.0.1') => scrapeText(host, metricsPort);
    ctx.bothExports = async () => void (await until(() => ctx.traceRequests().length > 0 && ctx.metricRequests().length > 0, 5000, 'both exports'));
    ctx.firstRequest = () => until(() => receiver.requests[0], 5000, 'an export');
    await row.before?.(ctx);
    ctx.app = await startApp({
      script: APP,
      ext: 'mjs',
      env: {
        SIM_URL: sim.url,
        UPSTREAM_URL: upstream.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // No GPU poll unless a row asks: the machine may have a real nvidia-smi.
        LLM_OTEL_GPU_INTERVAL: '0',
        ...row.env?.(ctx),
      },
    });
    const port = await ctx.app.waitForPort();
    ctx.work = async (query = '', headers = {}) => {
      const response = await fetch(`http://127.0.0.1:${port}/work?${query}`, { headers });
      expect(response.status, await response.clone().text()).toBe(200);
      await response.text();
    };
    await row.observe(ctx);
  } finally {
    // The app first: its exporter would otherwise keep reconnecting to the closing receiver.
    await stopAll();
    await receiver.close();
  }
}

describe('the README configuration table', () => {
  it('has a row here for every variable it documents, and documents every variable a row proves', () => {
    const proven = new Set(ROWS.flatMap((row) => row.variables));
    expect(documentedVariables().filter((name) => !proven.has(name))).toEqual([]);
    expect([...proven].filter((name) => !documentedVariables().includes(name))).toEqual([]);
  });

  it('lists the same variables as the agent\'s configuration table (agent/config/variables.ts), in its order', () => {
    const table: string[] = VARIABLES.map((variable) => variable.name);
    expect(table.filter((name) => !documentedVariables().includes(name)), 'in the table, not in the README').toEqual([]);
    expect(documentedVariables().filter((name) => !table.includes(name)), 'in the README, not in the table').toEqual([]);
    expect(documentedVariables()).toEqual(table);
  });

  it('gives each variable the configuration table\'s default, where the README writes it as one value', () => {
    const mismatched = documentedRows().flatMap((row) => {
      const literal = /^`([^`]*)`$/.exec(row.default)?.[1];
      if (literal === undefined) return [];
      return row.variables
        .map((name) => ({ name, table: VARIABLES.find((variable) => variable.name === name)?.default, readme: literal }))
        .filter(({ table, readme }) => table !== readme);
    });
    expect(mismatched).toEqual([]);
  });

  it(DEFAULTS.shows, () => runRow(DEFAULTS), 20_000);
  for (const row of ROWS) it(`${row.variables.join(', ')}: ${row.shows}`, () => runRow(row), 20_000);
});
