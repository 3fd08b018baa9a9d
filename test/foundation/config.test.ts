import { DiagLogLevel } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { formatBadValue, readConfig } from '../../agent/config.js';
import { peekVariable, VARIABLES } from '../../agent/config/variables.js';

function read(env: Record<string, string>) {
  const warnings: string[] = [];
  const config = readConfig(env, (...args) => warnings.push(formatBadValue(...args)));
  return { config, warnings };
}

describe('readConfig', () => {
  it('uses the specification defaults when nothing is set', () => {
    const { config, warnings } = read({});
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      disabled: false,
      logLevel: DiagLogLevel.INFO,
      tracesExporters: ['otlp'],
      otlpTracesUrl: 'http://localhost:4318/v1/traces',
      otlpTracesProtocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      metricsExporters: ['prometheus'],
      prometheusHost: 'localhost',
      prometheusPort: 9464,
      captureMessageContent: false,
      streamIncludeUsage: false,
      streamIdleTimeoutMs: 600_000,
      testFault: undefined,
      batchSpanProcessor: { scheduledDelayMillis: 5000, maxQueueSize: 2048, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 },
    });
  });

  it('reads the batch span processor options, and cuts a batch larger than the queue to the queue', () => {
    expect(read({ OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_BSP_EXPORT_TIMEOUT: '700' }))
      .toEqual({ config: expect.objectContaining({ batchSpanProcessor: { scheduledDelayMillis: 200, maxQueueSize: 100, maxExportBatchSize: 10, exportTimeoutMillis: 700 } }), warnings: [] });
    const { config, warnings } = read({ OTEL_BSP_MAX_QUEUE_SIZE: '50', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '60' });
    expect(config.batchSpanProcessor).toMatchObject({ maxQueueSize: 50, maxExportBatchSize: 50 });
    expect(warnings).toEqual(['invalid OTEL_BSP_MAX_EXPORT_BATCH_SIZE="60" (larger than OTEL_BSP_MAX_QUEUE_SIZE); using the default "50"']);
    // A bad batch size falls back to the default, itself no larger than the queue.
    expect(read({ OTEL_BSP_MAX_QUEUE_SIZE: '10', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 'many' }).config.batchSpanProcessor.maxExportBatchSize).toBe(10);
    expect(read({ OTEL_BSP_SCHEDULE_DELAY: '-1' }).warnings).toEqual([
      'invalid OTEL_BSP_SCHEDULE_DELAY="-1" (expected an integer >= 0 and <= 2147483647); using the default "5000"',
    ]);
  });

  it('derives the traces URL from the general endpoint, and takes the signal endpoint as is', () => {
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).config.otlpTracesUrl).toBe('http://collector:4318/v1/traces');
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:1', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/custom' }).config.otlpTracesUrl).toBe('https://b/custom');
  });

  it('warns once per bad value, naming variable, value and default', () => {
    const { config, warnings } = read({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_EXPORTER: 'otlp,zipkin',
      OTEL_LOG_LEVEL: 'loud',
      OTEL_SDK_DISABLED: 'yes',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'maybe',
    });
    expect(warnings).toEqual([
      'invalid OTEL_SDK_DISABLED="yes" (expected true or false); using the default "false"',
      'invalid OTEL_LOG_LEVEL="loud" (expected one of none, error, warn, info, debug, verbose, all); using the default "info"',
      'invalid OTEL_TRACES_EXPORTER="otlp,zipkin" (unsupported zipkin; expected any of otlp, console, none); using the default "otlp"',
      'invalid OTEL_EXPORTER_OTLP_ENDPOINT="not a url" (expected an http:// or https:// URL); using the default "http://localhost:4318"',
      'invalid OTEL_EXPORTER_OTLP_PROTOCOL="grpc" (expected one of http/protobuf, http/json); using the default "http/protobuf"',
      'invalid OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="maybe" (expected true or false); using the default "false"',
    ]);
    expect(config.otlpTracesUrl).toBe('http://localhost:4318/v1/traces');
  });

  it('reads the sampler argument only for ratio samplers', () => {
    expect(read({ OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: 'junk' }).warnings).toEqual([]);
    expect(read({ OTEL_TRACES_SAMPLER: 'TraceIdRatio', OTEL_TRACES_SAMPLER_ARG: '0.1' }).config).toMatchObject({ sampler: 'traceidratio', samplerRatio: 0.1 });
  });

  it('reads the stream idle timeout, and rejects one under a second', () => {
    expect(read({ LLM_OTEL_STREAM_IDLE_TIMEOUT_MS: '1500' })).toEqual({ config: expect.objectContaining({ streamIdleTimeoutMs: 1500 }), warnings: [] });
    expect(read({ LLM_OTEL_STREAM_IDLE_TIMEOUT_MS: '10' })).toEqual({
      config: expect.objectContaining({ streamIdleTimeoutMs: 600_000 }),
      warnings: ['invalid LLM_OTEL_STREAM_IDLE_TIMEOUT_MS="10" (expected an integer >= 1000 and <= 2147483647); using the default "600000"'],
    });
  });

  it('reads the test fault, and flags an unknown one', () => {
    expect(read({ LLM_OTEL_TEST_FAULT: 'start' })).toEqual({ config: expect.objectContaining({ testFault: 'start' }), warnings: [] });
    expect(read({ LLM_OTEL_TEST_FAULT: 'stop' })).toEqual({
      config: expect.objectContaining({ testFault: undefined }),
      warnings: ['invalid LLM_OTEL_TEST_FAULT="stop" (expected start, for tests only); using the default ""'],
    });
  });
});

describe('LLM_OTEL_MODEL_SERVERS', () => {
  it('reads origin[/path]=api entries: host in lower case, the default port, the prefix without its slash', () => {
    const { config, warnings } = read({ LLM_OTEL_MODEL_SERVERS: ' HTTP://GPU-Box:8080/=Ollama , https://llm.internal/proxy/v1/=openai,https://[::1]:9000=cohere' });
    expect(warnings).toEqual([]);
    expect(config.modelServers.map(({ host, port, pathPrefix, api }) => ({ host, port, pathPrefix, api }))).toEqual([
      { host: 'gpu-box', port: 8080, pathPrefix: '', api: 'ollama' },
      { host: 'llm.internal', port: 443, pathPrefix: '/proxy/v1', api: 'openai' },
      { host: '::1', port: 9000, pathPrefix: '', api: 'cohere' },
    ]);
  });

  it('names the bad entries in one warning and keeps the others', () => {
    const { config, warnings } = read({
      LLM_OTEL_MODEL_SERVERS: 'ftp://files=ollama,http://gpu-box:8080=ollama,http://x=vllm,http://no-api,http://u:p@x=openai,http://x/?q=1=openai',
    });
    expect(config.modelServers.map((server) => server.entry)).toEqual(['http://gpu-box:8080=ollama']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('invalid LLM_OTEL_MODEL_SERVERS="ftp://files=ollama,http://x=vllm,http://no-api,http://u:p@x=openai,http://x/?q=1=openai"');
    expect(warnings[0]).toContain('using the default "http://gpu-box:8080=ollama"');
  });

  it('declares none by default', () => {
    expect(read({}).config.modelServers).toEqual([]);
  });
});

describe('the configuration table', () => {
  /** An environment that counts how often each name is read. */
  function countingEnv(values: Record<string, string>) {
    const reads = new Map<string, number>();
    const env = new Proxy(values, {
      get(target, name) {
        if (typeof name === 'string') reads.set(name, (reads.get(name) ?? 0) + 1);
        return Reflect.get(target, name);
      },
    });
    return { env, reads };
  }

  it('reads each of its variables from the environment exactly once, and nothing else', () => {
    // A ratio sampler, so that the sampler argument is used too; bad values, so that every fallback runs.
    const { env, reads } = countingEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '99999', LLM_OTEL_MAX_SERIES: 'x' });
    readConfig(env, () => undefined);
    expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(VARIABLES.map((v) => [v.name, 1])));
  });

  it('lists each variable once, standard ones first, each default depending only on variables above it', () => {
    const names = VARIABLES.map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    const sections = VARIABLES.map((v) => v.section);
    expect(sections).toEqual([...sections].sort((a, b) => (a === b ? 0 : a === 'standard' ? -1 : 1)));
    // resolveVariables throws when a variable asks for one not yet resolved: unset, every default is taken.
    expect(() => readConfig({}, () => undefined)).not.toThrow();
    expect(() => readConfig(Object.fromEntries(names.map((name) => [name, 'x'])), () => undefined)).not.toThrow();
  });

  it('lets the preload entry look at OTEL_SDK_DISABLED alone, silently', () => {
    expect(peekVariable({ OTEL_SDK_DISABLED: 'TRUE' }, 'OTEL_SDK_DISABLED')).toBe(true);
    expect(peekVariable({ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED')).toBe(false);
    expect(() => peekVariable({}, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')).toThrow(/depends on OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
