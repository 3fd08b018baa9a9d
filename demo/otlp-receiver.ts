// A small OTLP/HTTP receiver embedded in the demo, so that no collector is needed: it accepts trace
// exports in the JSON encoding (the child exports with OTEL_EXPORTER_OTLP_PROTOCOL=http/json, so no
// protobuf decoder is needed here) and keeps the spans in memory. Metrics and logs are accepted and
// dropped. Bounded: a body over MAX_BODY_BYTES is refused and at most MAX_SPANS spans are kept.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export type SpanAttributeValue = string | number | boolean | ReadonlyArray<string | number | boolean>;

/** One received span, in the shape the report needs. Times are epoch nanoseconds. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, SpanAttributeValue>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  serviceName?: string;
}

export interface OtlpJsonReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT, e.g. http://127.0.0.1:43127. */
  url: string;
  spans: readonly ReceivedSpan[];
  /** Why export requests were refused, for the demo's failure messages. */
  errors: readonly string[];
  /** Resolves with the trace's spans once its root span (the last to end) has arrived, or with what came by `timeoutMs`. */
  waitForTrace(traceId: string, timeoutMs: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_SPANS = 50_000;
const ACCEPTED_PATHS = new Set(['/v1/traces', '/v1/metrics', '/v1/logs']);

// The OTLP/JSON shapes read here (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding).
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
}
interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string | number;
  endTimeUnixNano?: string | number;
  attributes?: JsonKeyValue[];
  status?: { code?: number };
}
interface JsonTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: Array<{ spans?: JsonSpan[] }>;
  }>;
}

class RefusedExport extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function scalarOf(value: JsonAnyValue | undefined): string | number | boolean | undefined {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  return undefined;
}

function valueOf(value: JsonAnyValue | undefined): SpanAttributeValue | undefined {
  if (value?.arrayValue) return (value.arrayValue.values ?? []).map(scalarOf).filter((item) => item !== undefined);
  return scalarOf(value);
}

function attributesOf(list: JsonKeyValue[] | undefined): Record<string, SpanAttributeValue> {
  const attributes: Record<string, SpanAttributeValue> = {};
  for (const { key, value } of list ?? []) {
    const converted = valueOf(value);
    if (converted !== undefined) attributes[key] = converted;
  }
  return attributes;
}

/** Flattens an ExportTraceServiceRequest (JSON) into spans. */
export function spansOfJsonExport(request: JsonTraceRequest): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const serviceName = attributesOf(resourceSpans.resource?.attributes)['service.name'];
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId ?? '',
          spanId: span.spanId ?? '',
          ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
          name: span.name ?? '',
          kind: span.kind ?? 0,
          startNs: BigInt(span.startTimeUnixNano ?? 0),
          endNs: BigInt(span.endTimeUnixNano ?? 0),
          attributes: attributesOf(span.attributes),
          statusCode: span.status?.code ?? 0,
          ...(typeof serviceName === 'string' ? { serviceName } : {}),
        });
      }
    }
  }
  return spans;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RefusedExport(413, `export body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const encoding = request.headers['content-encoding'] ?? 'identity';
  if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: MAX_BODY_BYTES });
  if (encoding !== 'identity') throw new RefusedExport(415, `unsupported content-encoding ${encoding}`);
  return body;
}

export async function startOtlpJsonReceiver(): Promise<OtlpJsonReceiver> {
  const spans: ReceivedSpan[] = [];
  const errors: string[] = [];
  const arrivals = new Set<() => void>();

  async function accept(request: IncomingMessage): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    if (request.method !== 'POST' || !ACCEPTED_PATHS.has(path)) throw new RefusedExport(404, `no OTLP endpoint at ${request.method} ${path}`);
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
    if (contentType !== 'application/json') {
      throw new RefusedExport(415, `content-type ${JSON.stringify(contentType)}: this receiver takes OTLP/JSON only (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)`);
    }
    const body = await readBody(request);
    if (path !== '/v1/traces') return;
    let received: ReceivedSpan[];
    try {
      received = spansOfJsonExport(JSON.parse(body.toString('utf8')) as JsonTraceRequest);
    } catch (error) {
      throw new RefusedExport(400, `undecodable trace export: ${String(error)}`);
    }
    spans.push(...received.slice(0, Math.max(0, MAX_SPANS - spans.length)));
    for (const notify of [...arrivals]) notify();
  }

  function respond(response: ServerResponse, status: number): void {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end('{}');
  }

  const server = createServer((request, response) => {
    accept(request).then(
      () => respond(response, 200),
      (error: unknown) => {
        errors.push(error instanceof Error ? error.message : String(error));
        respond(response, error instanceof RefusedExport ? error.status : 500);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const traceSpans = (traceId: string) => spans.filter((span) => span.traceId === traceId);

  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    errors,
    waitForTrace(traceId, timeoutMs) {
      return new Promise((resolve) => {
        const check = () => {
          const found = traceSpans(traceId);
          if (found.some((span) => span.parentSpanId === undefined)) finish(found);
        };
        const finish = (found: ReceivedSpan[]) => {
          arrivals.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => finish(traceSpans(traceId)), timeoutMs);
        arrivals.add(check);
        check();
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Exporters keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
