// The receiver against the real OpenTelemetry JS exporters: what the SDK sends as protobuf and as JSON must
// decode to the same normalised data, with every value where the SDK put it.
import { ROOT_CONTEXT, SeverityNumber, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  attributesOf,
  startOtlpReceiver,
  type OtlpEncoding,
  type OtlpInt64,
  type OtlpMetricsRequest,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../helpers/otlp-receiver.js';

/** One attribute of every type OTLP carries, sent and expected back as they are. */
const EVERY_ATTRIBUTE_TYPE = {
  'attr.string': 'hello',
  'attr.int': 42,
  'attr.negative': -7,
  'attr.large': 2 ** 40,
  'attr.double': 0.25,
  'attr.true': true,
  'attr.false': false,
  'attr.strings': ['a', 'b'],
  'attr.numbers': [1, 2.5],
  'attr.booleans': [true, false],
};
const resource = resourceFromAttributes({ 'service.name': 'selftest', 'deployment.environment': 'test', 'process.pid': 4321 });

/** What every OTLP exporter of the SDK offers, whatever it exports. */
interface OtlpExporter<Batch> {
  export(batch: Batch, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

async function exportWith<Batch>(exporter: OtlpExporter<Batch>, batch: Batch): Promise<ExportResult> {
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export(batch, resolve));
  } finally {
    await exporter.shutdown();
  }
}

function exporterConfig(receiver: OtlpReceiver, signal: 'traces' | 'metrics' | 'logs', compression = CompressionAlgorithm.NONE) {
  return { url: `${receiver.url}/v1/${signal}`, compression, timeoutMillis: 5_000 };
}

/** Ends a parent SERVER span and a CLIENT child carrying attributes of every type, events, a link and an error. */
function recordSpans(): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('selftest-scope', '1.2.3');
  const linked = tracer.startSpan('linked');
  linked.end();
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER });
  const child = tracer.startSpan(
    'chat gpt-test',
    {
      kind: SpanKind.CLIENT,
      attributes: EVERY_ATTRIBUTE_TYPE,
      links: [{ context: linked.spanContext(), attributes: { 'link.reason': 'retry' } }],
    },
    trace.setSpan(ROOT_CONTEXT, parent),
  );
  child.addEvent('gen_ai.first_chunk', { 'chunk.index': 0, 'chunk.text': 'Hi' });
  child.addEvent('bare');
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end();
  parent.setStatus({ code: SpanStatusCode.OK });
  parent.end();
  return memory.getFinishedSpans();
}

function byEncoding(spans: readonly ReceivedSpan[], encoding: OtlpEncoding): Omit<ReceivedSpan, 'encoding'>[] {
  return spans
    .filter((span) => span.encoding === encoding)
    .map(({ encoding: _encoding, ...rest }) => rest)
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe('startOtlpReceiver', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  describe.each([CompressionAlgorithm.NONE, CompressionAlgorithm.GZIP])('traces with compression %s', (compression) => {
    it('decodes protobuf and JSON exports to the same normalised spans', async () => {
      const recorded = recordSpans();
      const [parentSpan, childSpan, linkedSpan] = ['parent', 'chat gpt-test', 'linked'].map(
        (name) => recorded.find((span) => span.name === name)!.spanContext(),
      );

      expect(await exportWith(new ProtobufTraceExporter(exporterConfig(receiver, 'traces', compression)), recorded)).toEqual({ code: ExportResultCode.SUCCESS });
      expect(await exportWith(new JsonTraceExporter(exporterConfig(receiver, 'traces', compression)), recorded)).toEqual({ code: ExportResultCode.SUCCESS });

      expect(receiver.errors).toEqual([]);
      expect(receiver.requests.map((request) => [request.encoding, request.contentEncoding, request.status])).toEqual([
        ['protobuf', compression === CompressionAlgorithm.GZIP ? 'gzip' : undefined, 200],
        ['json', compression === CompressionAlgorithm.GZIP ? 'gzip' : undefined, 200],
      ]);
      const fromProtobuf = byEncoding(receiver.spans, 'protobuf');
      expect(byEncoding(receiver.spans, 'json')).toEqual(fromProtobuf);

      const [child, linked, parent] = fromProtobuf;
      const resourceAttributes = { 'service.name': 'selftest', 'deployment.environment': 'test', 'process.pid': 4321 };
      expect(parent).toEqual({
        traceId: parentSpan!.traceId,
        spanId: parentSpan!.spanId,
        name: 'parent',
        kind: SpanKind.SERVER,
        startTimeUnixNano: expect.any(BigInt),
        endTimeUnixNano: expect.any(BigInt),
        attributes: {},
        status: { code: SpanStatusCode.OK },
        events: [],
        links: [],
        resource: expect.objectContaining(resourceAttributes),
        scope: { name: 'selftest-scope', version: '1.2.3' },
      });
      expect(child).toMatchObject({
        traceId: parentSpan!.traceId,
        spanId: childSpan!.spanId,
        parentSpanId: parentSpan!.spanId,
        kind: SpanKind.CLIENT,
        attributes: EVERY_ATTRIBUTE_TYPE,
        status: { code: SpanStatusCode.ERROR, message: 'boom' },
        events: [
          { name: 'gen_ai.first_chunk', attributes: { 'chunk.index': 0, 'chunk.text': 'Hi' } },
          { name: 'bare', attributes: {} },
        ],
        links: [{ traceId: linkedSpan!.traceId, spanId: linkedSpan!.spanId, attributes: { 'link.reason': 'retry' } }],
      });
      expect(child!.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(child!.endTimeUnixNano).toBeGreaterThanOrEqual(child!.startTimeUnixNano);
      expect(child!.startTimeUnixNano).toBeGreaterThan(1_600_000_000n * 1_000_000_000n);
      expect(child!.events[0]!.timeUnixNano).toBeGreaterThanOrEqual(child!.startTimeUnixNano);
      expect(linked!.parentSpanId).toBeUndefined();
      expect('parentSpanId' in parent!).toBe(false);
    });
  });

  it('reads OTLP/JSON written with int64 as numbers and upper-case hex ids', async () => {
    const body = {
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'hand-written' } }] },
        scopeSpans: [{
          scope: { name: 'manual' },
          spans: [{
            traceId: '0AF7651916CD43DD8448EB211C80319C',
            spanId: 'B7AD6B7169203331',
            name: 'handmade',
            kind: 3,
            startTimeUnixNano: 1_700_000_000_000_000_000,
            endTimeUnixNano: '1700000000500000000',
            attributes: [{ key: 'tokens', value: { intValue: 12 } }, { key: 'big', value: { intValue: '9000000000' } }],
          }],
        }],
      }],
    };
    const response = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({});
    expect(receiver.spans).toEqual([{
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'handmade',
      kind: SpanKind.CLIENT,
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      endTimeUnixNano: 1_700_000_000_500_000_000n,
      attributes: { tokens: 12, big: 9_000_000_000 },
      status: { code: SpanStatusCode.UNSET },
      events: [],
      links: [],
      resource: { 'service.name': 'hand-written' },
      scope: { name: 'manual' },
      encoding: 'json',
    }]);
  });

  it('answers respondStatus without storing, and recovers when it is cleared', async () => {
    receiver.respondStatus = 400;
    const recorded = recordSpans();
    const failed = await exportWith(new ProtobufTraceExporter(exporterConfig(receiver, 'traces')), recorded);
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect(receiver.requests).toMatchObject([{ path: '/v1/traces', encoding: 'protobuf', status: 400 }]);
    expect(receiver.spans).toEqual([]);

    receiver.respondStatus = undefined;
    const succeeded = await exportWith(new ProtobufTraceExporter(exporterConfig(receiver, 'traces')), recorded);
    expect(succeeded.code).toBe(ExportResultCode.SUCCESS);
    expect(receiver.spans).toHaveLength(recorded.length);
  });

  it('takes respondStatus as a start option too', async () => {
    const failing = await startOtlpReceiver({ respondStatus: 503 });
    try {
      const response = await fetch(`${failing.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(503);
      expect(failing.requests).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });

  it('refuses what is not OTLP and says why', async () => {
    const wrongType = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    const wrongPath = await fetch(`${receiver.url}/v1/other`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const garbage = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f]),
    });
    expect([wrongType.status, wrongPath.status, garbage.status]).toEqual([415, 404, 400]);
    expect(receiver.errors).toEqual([
      expect.stringContaining('unsupported content-type'),
      expect.stringContaining('no OTLP endpoint'),
      expect.stringContaining('undecodable protobuf traces body'),
    ]);
  });

  it('waitForSpans resolves when a matching span arrives and rejects with what arrived on timeout', async () => {
    const waiting = receiver.waitForSpans((spans) => spans.some((span) => span.name === 'parent'), 5_000);
    await exportWith(new JsonTraceExporter(exporterConfig(receiver, 'traces')), recordSpans());
    expect((await waiting).map((span) => span.name).sort()).toEqual(['chat gpt-test', 'linked', 'parent']);

    await expect(receiver.waitForSpans((spans) => spans.length > 10, 50)).rejects.toThrow(
      /not met within 50 ms; 1 request\(s\).*spans: \[.*parent.*\]/,
    );
    receiver.clear();
    expect([receiver.spans.length, receiver.requests.length]).toEqual([0, 0]);
  });

  it('decodes metrics of both encodings alike', async () => {
    class ManualReader extends MetricReader {
      protected override onShutdown(): Promise<void> {
        return Promise.resolve();
      }
      protected override onForceFlush(): Promise<void> {
        return Promise.resolve();
      }
    }
    const reader = new ManualReader();
    const meter = new MeterProvider({ resource, readers: [reader] }).getMeter('selftest-meter');
    meter.createCounter('requests', { unit: '{request}' }).add(3, { route: '/chat' });
    const histogram = meter.createHistogram('latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
    for (const value of [0.05, 0.5, 2]) histogram.record(value, { model: 'm' });
    const { resourceMetrics } = await reader.collect();

    for (const exporter of [new ProtobufMetricExporter(exporterConfig(receiver, 'metrics')), new JsonMetricExporter(exporterConfig(receiver, 'metrics'))]) {
      expect(await exportWith<ResourceMetrics>(exporter, resourceMetrics)).toEqual({ code: ExportResultCode.SUCCESS });
    }
    const received = await receiver.waitForMetrics((metrics) => metrics.length === 2);
    const [fromProtobuf, fromJson] = received.map(({ body }) => summariseMetrics(body));
    expect(received.map(({ encoding }) => encoding)).toEqual(['protobuf', 'json']);
    expect(fromJson).toEqual(fromProtobuf);
    expect(fromProtobuf).toEqual([
      { name: 'requests', unit: '{request}', monotonic: true, points: [{ attributes: { route: '/chat' }, value: 3 }] },
      {
        name: 'latency',
        unit: 's',
        histogram: [{ attributes: { model: 'm' }, count: 3, sum: 0.05 + 0.5 + 2, bucketCounts: [1, 1, 1], explicitBounds: [0.1, 1], min: 0.05, max: 2 }],
      },
    ]);
  });

  it('decodes logs of both encodings alike', async () => {
    const memory = new InMemoryLogRecordExporter();
    const logger = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter: memory })] }).getLogger('selftest-logger');
    const [span] = recordSpans();
    logger.emit({
      body: 'model call failed',
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      attributes: { 'error.type': 'timeout' },
      context: trace.setSpanContext(ROOT_CONTEXT, span!.spanContext()),
    });
    const records = memory.getFinishedLogRecords();
    for (const exporter of [new ProtobufLogExporter(exporterConfig(receiver, 'logs')), new JsonLogExporter(exporterConfig(receiver, 'logs'))]) {
      expect(await exportWith(exporter, records)).toEqual({ code: ExportResultCode.SUCCESS });
    }
    const decoded = receiver.logs.map(({ body }) =>
      body.resourceLogs?.flatMap((resourceLogs) =>
        (resourceLogs.scopeLogs ?? []).flatMap((scopeLogs) =>
          (scopeLogs.logRecords ?? []).map((record) => ({
            scope: scopeLogs.scope?.name,
            body: record.body,
            severity: [record.severityNumber, record.severityText],
            attributes: attributesOf(record.attributes),
            traceId: record.traceId,
            spanId: record.spanId,
          })),
        ),
      ),
    );
    const expected = [{
      scope: 'selftest-logger',
      body: { stringValue: 'model call failed' },
      severity: [SeverityNumber.ERROR, 'ERROR'],
      attributes: { 'error.type': 'timeout' },
      traceId: span!.spanContext().traceId,
      spanId: span!.spanContext().spanId,
    }];
    expect(receiver.logs.map(({ encoding }) => encoding)).toEqual(['protobuf', 'json']);
    expect(decoded).toEqual([expected, expected]);
  });
});

function numberOf(value: OtlpInt64 | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

/** The metric fields both encodings must agree on, 64-bit integers as numbers. */
function summariseMetrics(request: OtlpMetricsRequest): unknown[] {
  const metrics = (request.resourceMetrics ?? []).flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => sm.metrics ?? []));
  return metrics.map((metric) => ({
    name: metric.name,
    unit: metric.unit,
    ...(metric.sum && {
      monotonic: metric.sum.isMonotonic,
      points: (metric.sum.dataPoints ?? []).map((point) => ({
        attributes: attributesOf(point.attributes),
        value: point.asDouble ?? numberOf(point.asInt),
      })),
    }),
    ...(metric.histogram && {
      histogram: (metric.histogram.dataPoints ?? []).map((point) => ({
        attributes: attributesOf(point.attributes),
        count: numberOf(point.count),
        sum: point.sum,
        bucketCounts: point.bucketCounts?.map(Number),
        explicitBounds: point.explicitBounds,
        min: point.min,
        max: point.max,
      })),
    }),
  }));
}
