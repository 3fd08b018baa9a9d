// The Prometheus scrape endpoint: a pull reader plus a small HTTP server. A scraper that accepts
// OpenMetrics (Prometheus does) gets OpenMetrics 1.0 with exemplars; anything else gets the 0.0.4
// text format. The server never keeps the process alive and never throws if its port is taken.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import { expositionPieces, OPENMETRICS_CONTENT_TYPE, type ExpositionPiece } from './openmetrics.js';
import { forgetUnobservedGauges } from './gpu/temporality.js';
import { PullMetricReader } from './reader.js';
import type { Instrument } from './series.js';
import { TEXT_CONTENT_TYPE } from './text-format.js';

export interface PrometheusEndpointOptions {
  host: string;
  /** 0 picks a free port (tests); `listening` says which. */
  port: number;
  /** Default `/metrics`. */
  path?: string;
  /** Not yet: `listen()` binds later (a cluster worker first learns whether its primary serves the metrics). */
  deferListen?: boolean;
}

export interface WarnLogger {
  warn(message: string): void;
}

export interface PrometheusEndpoint {
  /** Give it to the MeterProvider's `readers`. */
  reader: MetricReader;
  /** The agent's LLM instruments (createLlmMetrics's `instruments`), written beside what the reader collects; none until set. */
  serveLlmMetrics(instruments: readonly Instrument[]): void;
  /** The bound port, or undefined when the server could not listen (already warned) or never did. */
  listening: Promise<number | undefined>;
  /** Binds a deferred endpoint, on `port` (default: the options' port); a second call does nothing. */
  listen(port?: number): void;
  close(): Promise<void>;
}

export function createPrometheusEndpoint(options: PrometheusEndpointOptions, log: WarnLogger): PrometheusEndpoint {
  const path = options.path ?? '/metrics';
  let llmInstruments: readonly Instrument[] = [];
  let collectFailureWarned = false;
  // Observable gauges (GPU figures) are read as delta so a GPU that disappears stops being reported.
  const reader = new PullMetricReader(() => close(), { aggregationTemporalitySelector: forgetUnobservedGauges });

  const server = createServer((request, response) => {
    void respond(request, response);
  });
  server.unref();

  async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== path) return reply(response, 404, 'not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(response, 405, 'method not allowed\n');
    try {
      const { resourceMetrics, errors } = await reader.collect();
      await resourceMetrics.resource.waitForAsyncAttributes?.(); // host.id is detected asynchronously: reading target_info before it settles logs an error
      if (errors.length > 0) diag.debug(`metrics collection reported ${errors.length} error(s)`, errors);
      const openMetrics = prefersOpenMetrics(request.headers.accept);
      const pieces = expositionPieces(resourceMetrics, openMetrics ? 'openmetrics' : 'text', undefined, llmInstruments);
      await writeSliced(response, pieces, openMetrics ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE);
    } catch (err) {
      if (!collectFailureWarned) log.warn(`metrics scrape failed: ${err instanceof Error ? err.message : String(err)}`);
      collectFailureWarned = true;
      reply(response, 500, 'metrics collection failed\n');
    }
  }

  let resolveListening: (port: number | undefined) => void = () => {};
  const listening = new Promise<number | undefined>((resolve) => {
    resolveListening = resolve;
  });
  let listenCalled = false;
  function listen(port = options.port): void {
    if (listenCalled || closing) return;
    listenCalled = true;
    server.once('listening', () => resolveListening((server.address() as AddressInfo).port));
    server.once('error', (err: NodeJS.ErrnoException) => {
      log.warn(`cannot serve metrics on ${options.host}:${port} (${err.code ?? err.message}); the /metrics endpoint is off`);
      resolveListening(undefined);
    });
    server.listen(port, options.host);
  }

  let closing: Promise<void> | undefined;
  if (!options.deferListen) listen();
  function close(): Promise<void> {
    if (!listenCalled) resolveListening(undefined);
    closing ??= listening.then(
      (port) =>
        new Promise<void>((resolve) => {
          if (port === undefined) return resolve();
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    return closing;
  }

  return {
    reader,
    serveLlmMetrics: (instruments) => {
      llmInstruments = instruments;
    },
    listening,
    listen,
    close,
  };
}

/** The longest the serialization holds the event loop before it lets the service's own work run. */
const SLICE_MS = 1;
/** Bytes gathered before they are handed to the socket. */
const WRITE_BYTES = 64 * 1024;

/**
 * Write buffers, reused from one scrape to the next once the socket is done with them: a scrape of a
 * thousand label sets writes 5 MB, and allocating it anew each time drove a major collection of the
 * service's heap every few scrapes. Backpressure keeps at most a couple in flight.
 */
const freeBuffers: Buffer[] = [];
const MAX_FREE_BUFFERS = 4;

/**
 * Writes the exposition piece by piece, letting the event loop go every millisecond, so a
 * scrape of a thousand label sets delays the service's requests by one slice, not by the whole
 * serialization (hundreds of milliseconds before). The socket's backpressure is honoured.
 */
async function writeSliced(response: ServerResponse, pieces: Iterable<ExpositionPiece>, contentType: string): Promise<void> {
  response.writeHead(200, { 'Content-Type': contentType });
  let buffer = freeBuffers.pop() ?? Buffer.allocUnsafe(WRITE_BYTES);
  let used = 0;
  /** Hands the gathered bytes to the socket; the buffer goes back to the free list once written. */
  const flush = (): boolean => {
    const full = buffer;
    const flowing = response.write(full.subarray(0, used), () => {
      if (freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(full);
    });
    buffer = freeBuffers.pop() ?? Buffer.allocUnsafe(WRITE_BYTES);
    used = 0;
    return flowing;
  };
  let sliceStart = performance.now();
  for (const piece of pieces) {
    const length = typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
    if (used > 0 && used + length > WRITE_BYTES) {
      const flowing = flush();
      if (!flowing) await drainedOrClosed(response);
      if (response.destroyed) return;
    }
    if (typeof piece === 'string') {
      if (length > WRITE_BYTES) response.write(piece); // larger than a batch: as it is
      else used += buffer.write(piece, used);
    } else if (length > WRITE_BYTES) {
      response.write(Buffer.from(piece.bytes.subarray(0, length))); // a copy: the series may be rewritten before the socket is done
    } else {
      used += piece.bytes.copy(buffer, used, 0, length);
    }
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToLoop();
      if (response.destroyed) return; // the scraper gave up: nothing more to write
      sliceStart = performance.now();
    }
  }
  response.end(Buffer.from(buffer.subarray(0, used)));
  if (freeBuffers.length < MAX_FREE_BUFFERS) freeBuffers.push(buffer);
}

/**
 * Resolves on the socket's drain, or on its close (a scraper that leaves never drains), and removes
 * both listeners: racing two `once()` promises left the loser's listeners behind at every wait, and a
 * slow scraper of a large exposition set off Node's listener-leak warning.
 */
function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

function reply(response: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  response.writeHead(status, { 'Content-Type': contentType });
  response.end(body);
}

/** True when the Accept header ranks OpenMetrics above zero and at least as high as the text format. */
export function prefersOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  let openMetrics = 0;
  let text = 0;
  for (const entry of accept.split(',')) {
    const [type = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((param) => param.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text;
}
