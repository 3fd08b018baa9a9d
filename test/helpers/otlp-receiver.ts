// A real OTLP/HTTP receiver for tests: a node:http server on 127.0.0.1 that accepts traces, metrics and logs in
// protobuf or JSON (optionally gzip/deflate-compressed), decodes them, and lets a test wait for what arrived.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { decodeOtlpRequest } from './otlp-proto/decode.js';
import type {
  OtlpEncoding,
  OtlpLogsRequest,
  OtlpMetricsRequest,
  OtlpSignal,
} from './otlp-proto/otlp-json.js';
import { spansOfRequest, type ReceivedSpan } from './otlp-proto/spans.js';

export type * from './otlp-proto/otlp-json.js';
export type {
  AttributeScalar,
  AttributeValue,
  Attributes,
  ReceivedSpan,
  ReceivedSpanEvent,
  ReceivedSpanLink,
} from './otlp-proto/spans.js';
export { attributesOf } from './otlp-proto/spans.js';

export interface OtlpReceiverOptions {
  /** Defaults to 0 (any free port). */
  port?: number;
  /** Answer every export with this status instead of 200; unless it is a 2xx, nothing is stored (a failing collector). */
  respondStatus?: number;
  /** Hold every answer this long (a slow or hung collector); the request is still stored when it arrives. */
  respondDelayMs?: number;
  /**
   * A tee: pass every request on, bytes unchanged, to this OTLP/HTTP base URL (a real collector) and
   * answer with its status. The test then knows everything the agent sent, whatever the collector keeps.
   */
  forwardTo?: string;
}

/** One HTTP request as it arrived, whether or not it was accepted. */
export interface ReceivedRequest {
  method: string;
  path: string;
  signal?: OtlpSignal;
  contentType: string;
  contentEncoding?: string;
  encoding?: OtlpEncoding;
  /** The request's headers as they arrived (lower-case names). */
  headers: IncomingMessage['headers'];
  /** The body after decompression: every byte the exporter sent, for searches across all of them. */
  body: Buffer;
  /** Body size after decompression. */
  bodyBytes: number;
  /** Spans in a traces export. */
  spanCount: number;
  /** performance.now() when the request arrived, and when the exporter closed it before an answer came. */
  receivedAt: number;
  clientGaveUpAt?: number;
  /** The status the receiver answered with. */
  status: number;
}

/** A decoded metrics or logs export request. */
export interface ReceivedExport<Body> {
  encoding: OtlpEncoding;
  body: Body;
}

export interface OtlpReceiver {
  /** Base URL, e.g. `http://127.0.0.1:43127`; exporters append `/v1/traces` etc. */
  readonly url: string;
  readonly port: number;
  readonly spans: readonly ReceivedSpan[];
  readonly metrics: readonly ReceivedExport<OtlpMetricsRequest>[];
  readonly logs: readonly ReceivedExport<OtlpLogsRequest>[];
  readonly requests: readonly ReceivedRequest[];
  /** Why requests were refused (bad content type, undecodable body), for assertion messages. */
  readonly errors: readonly string[];
  /** Change at any time, e.g. fail first and recover later; undefined answers 200. */
  respondStatus: number | undefined;
  /** Change at any time; 0 or undefined answers at once. */
  respondDelayMs: number | undefined;
  /** Resolves with all spans once `predicate` holds for them; rejects after `timeoutMs`. */
  waitForSpans(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  waitForMetrics(
    predicate: (metrics: readonly ReceivedExport<OtlpMetricsRequest>[]) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedExport<OtlpMetricsRequest>[]>;
  /** Forgets everything received so far. */
  clear(): void;
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 10_000;

const SIGNAL_BY_PATH: Readonly<Record<string, OtlpSignal>> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

const ENCODING_BY_MEDIA_TYPE: Readonly<Record<string, OtlpEncoding>> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

const DECOMPRESSORS: Readonly<Record<string, (body: Buffer) => Buffer>> = {
  identity: (body) => body,
  gzip: gunzipSync,
  deflate: inflateSync,
};

/** Thrown while handling a request; becomes the response status and an entry in `errors`. */
class RefusedRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sends an export on as it came; a collector that cannot be reached answers 503, as a down one would. */
async function forward(base: string, path: string, contentType: string, contentEncoding: string | undefined, raw: Buffer): Promise<number> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (contentEncoding) headers['content-encoding'] = contentEncoding;
  try {
    const answer = await fetch(`${base}${path}`, { method: 'POST', headers, body: new Uint8Array(raw) });
    await answer.arrayBuffer();
    return answer.status;
  } catch {
    return 503;
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function decompress(body: Buffer, contentEncoding: string | undefined): Buffer {
  const decompressor = DECOMPRESSORS[contentEncoding ?? 'identity'];
  if (!decompressor) throw new RefusedRequest(415, `unsupported content-encoding ${contentEncoding}`);
  try {
    return decompressor(body);
  } catch (error) {
    throw new RefusedRequest(400, `body is not valid ${contentEncoding}: ${String(error)}`);
  }
}

function encodingOf(contentType: string): OtlpEncoding {
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  const encoding = ENCODING_BY_MEDIA_TYPE[mediaType];
  if (!encoding) throw new RefusedRequest(415, `unsupported content-type ${JSON.stringify(contentType)}`);
  return encoding;
}

// An empty ExportXServiceResponse: zero bytes in protobuf, `{}` in JSON.
function sendExportResponse(response: ServerResponse, status: number, encoding: OtlpEncoding | undefined): void {
  const json = encoding !== 'protobuf';
  response.writeHead(status, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
  response.end(json ? '{}' : undefined);
}

/** Settles waiters whose condition holds; each is re-checked after every accepted request. */
class Waiters {
  private readonly pending = new Set<() => void>();

  wait<T>(check: () => T | undefined, timeoutMs: number, describeState: () => string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = (): void => {
        const result = check();
        if (result === undefined) return;
        this.pending.delete(settle);
        clearTimeout(timer);
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.pending.delete(settle);
        reject(new Error(`OTLP receiver: condition not met within ${timeoutMs} ms; ${describeState()}`));
      }, timeoutMs);
      this.pending.add(settle);
      settle();
    });
  }

  notify(): void {
    for (const settle of [...this.pending]) settle();
  }
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedExport<OtlpMetricsRequest>[] = [];
  const logs: ReceivedExport<OtlpLogsRequest>[] = [];
  const requests: ReceivedRequest[] = [];
  const errors: string[] = [];
  const waiters = new Waiters();
  let respondStatus = options.respondStatus;
  let respondDelayMs = options.respondDelayMs;

  /** Stores the export; returns the number of spans it held. */
  function store(signal: OtlpSignal, encoding: OtlpEncoding, body: Buffer): number {
    if (signal === 'traces') {
      const received = spansOfRequest(decodeOtlpRequest('traces', encoding, body), encoding);
      spans.push(...received);
      return received.length;
    }
    if (signal === 'metrics') metrics.push({ encoding, body: decodeOtlpRequest('metrics', encoding, body) });
    else logs.push({ encoding, body: decodeOtlpRequest('logs', encoding, body) });
    return 0;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const contentType = request.headers['content-type'] ?? '';
    const contentEncoding = request.headers['content-encoding'];
    const signal = request.method === 'POST' ? SIGNAL_BY_PATH[path] : undefined;
    const record: ReceivedRequest = {
      method: request.method ?? '',
      path,
      signal,
      contentType,
      contentEncoding,
      headers: request.headers,
      body: Buffer.alloc(0),
      bodyBytes: 0,
      spanCount: 0,
      receivedAt: performance.now(),
      status: 0,
    };
    requests.push(record);
    response.once('close', () => {
      if (!response.writableFinished) record.clientGaveUpAt = performance.now();
    });
    try {
      const raw = await readBody(request);
      const body = decompress(raw, contentEncoding);
      record.body = body;
      record.bodyBytes = body.length;
      if (!signal) throw new RefusedRequest(404, `no OTLP endpoint at ${request.method} ${path}`);
      record.encoding = encodingOf(contentType);
      record.status = respondStatus ?? (options.forwardTo ? await forward(options.forwardTo, request.url ?? path, contentType, contentEncoding, raw) : 200);
      const accepted = record.status >= 200 && record.status < 300;
      if (accepted) {
        try {
          record.spanCount = store(signal, record.encoding, body);
        } catch (error) {
          throw new RefusedRequest(400, `undecodable ${record.encoding} ${signal} body: ${String(error)}`);
        }
      }
    } catch (error) {
      if (!(error instanceof RefusedRequest)) throw error;
      record.status = error.status;
      errors.push(error.message);
    }
    waiters.notify();
    if (respondDelayMs) await new Promise((resolve) => setTimeout(resolve, respondDelayMs).unref());
    if (!response.destroyed) sendExportResponse(response, record.status, record.encoding);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      errors.push(`receiver failure: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const describeState = (): string =>
    `${requests.length} request(s) [${requests.map((r) => `${r.path} ${r.encoding ?? r.contentType} → ${r.status}`).join(', ')}], ` +
    `spans: [${spans.map((span) => span.name).join(', ')}]` +
    (errors.length > 0 ? `, errors: ${errors.join('; ')}` : '');

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    spans,
    metrics,
    logs,
    requests,
    errors,
    get respondStatus() {
      return respondStatus;
    },
    set respondStatus(status: number | undefined) {
      respondStatus = status;
    },
    get respondDelayMs() {
      return respondDelayMs;
    },
    set respondDelayMs(ms: number | undefined) {
      respondDelayMs = ms;
    },
    waitForSpans(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return waiters.wait(() => (predicate(spans) ? [...spans] : undefined), timeoutMs, describeState);
    },
    waitForMetrics(predicate, timeoutMs = DEFAULT_WAIT_MS) {
      return waiters.wait(() => (predicate(metrics) ? [...metrics] : undefined), timeoutMs, describeState);
    },
    clear() {
      for (const list of [spans, metrics, logs, requests, errors]) list.length = 0;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Exporters keep their connections alive; without this, close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
  };
}
