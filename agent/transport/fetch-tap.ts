// The fetch tap: undici's diagnostics channels, which Node's global fetch publishes for every
// request. Subscribing costs nothing per request that is not a model call, and nothing here
// touches the Response the application reads: chunks are observed as undici receives them.
import diagnostics from 'node:diagnostics_channel';
import { guard, reportInternalError } from '../log.js';
import type { ModelCalls, ObservedCall } from './model-calls.js';
import { recognise, recogniseCandidate } from '../providers/table.js';
import { MAX_REQUEST_BODY_BYTES, requestTarget } from './request-target.js';

/** The part of undici's internal Request that the tap reads (stable across undici 6 and 7). */
interface UndiciRequest {
  origin: string | URL;
  method: string;
  path: string;
  body?: unknown;
  addHeader(name: string, value: string): unknown;
  onData?: (chunk: Uint8Array) => unknown;
  onBodySent?: (chunk: Uint8Array) => unknown;
  onRequestSent?: () => unknown;
}

interface UndiciResponse {
  statusCode: number;
  headers: Array<Buffer | string>;
}

export const UNDICI_CHANNELS = {
  create: 'undici:request:create',
  headers: 'undici:request:headers',
  bodyChunkSent: 'undici:request:bodyChunkSent',
  bodySent: 'undici:request:bodySent',
  bodyChunkReceived: 'undici:request:bodyChunkReceived',
  trailers: 'undici:request:trailers',
  error: 'undici:request:error',
} as const;

/**
 * undici publishes body chunks, sent and received, on channels from 7.11 (Node 24). On older undici
 * (Node 22 bundles 6.x) the tap wraps `onBodySent`, `onRequestSent` and `onData` of the one request
 * object instead. That is safe: undici calls `request.onData(chunk)` synchronously for each chunk as
 * it comes off the socket, before handing it to fetch's body stream, and calls `onBodySent` for each
 * chunk it has written; the wrappers only look at the chunk and return the original return value
 * (onData's is undici's backpressure signal), so ordering, bytes and flow control are unchanged.
 */
export function hasBodyChunkChannel(undiciVersion = process.versions.undici): boolean {
  const [major = 0, minor = 0] = (undiciVersion ?? '0.0').split('.').map(Number);
  return major > 7 || (major === 7 && minor >= 11);
}

/** fetch hands undici its body as an async iterable, so the request body is collected as it is sent. */

interface SentBody {
  chunks: Uint8Array[];
  bytes: number;
}

export interface FetchTap {
  stop(): void;
  /**
   * Whether the tap took this undici request as a model call. The undici instrumentation asks it
   * from its own create subscriber, which runs after the tap's (it subscribes later), so a request
   * is recognised once, and one the tap failed to take is traced as plain HTTP instead of lost.
   */
  isModelCall(request: object): boolean;
}

export function startFetchTap(calls: ModelCalls): FetchTap {
  const byRequest = new WeakMap<object, ObservedCall>();
  const sentBodies = new WeakMap<object, SentBody>();
  const useChannel = hasBodyChunkChannel();

  const onBodyChunkSent = (request: object, chunk: Uint8Array) => {
    const body = sentBodies.get(request);
    if (!body || body.bytes > MAX_REQUEST_BODY_BYTES) return;
    body.bytes += chunk.byteLength;
    body.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };
  const onBodySent = (request: object) => {
    const body = sentBodies.get(request);
    if (!body) return;
    sentBodies.delete(request);
    if (body.chunks.length && body.bytes <= MAX_REQUEST_BODY_BYTES) {
      byRequest.get(request)?.lateRequestBody(utf8Text(body.chunks));
    }
  };

  const onCreate = (message: unknown) =>
    guard('fetch tap (request)', () => {
      const request = (message as { request: UndiciRequest }).request;
      const startedAt = performance.now();
      const origin = parseOrigin(request.origin);
      const target = requestTarget({ method: request.method, protocol: origin.protocol, host: origin.hostname, port: origin.port, path: request.path });
      const recognised = recognise(target) ?? recogniseCandidate(target);
      if (!recognised) return;
      const wholeBody = bodyText(request.body);
      const call = calls.begin(recognised, target, startedAt, wholeBody, (name, value) => request.addHeader(name, value));
      byRequest.set(request, call);
      if (wholeBody === undefined) sentBodies.set(request, { chunks: [], bytes: 0 });
      if (!useChannel) observeOlderUndici(request, call);
    });

  const observeOlderUndici = (request: UndiciRequest, call: ObservedCall) => {
    wrap(request, 'onData', (chunk) => call.onChunk(chunk as Uint8Array));
    wrap(request, 'onBodySent', (chunk) => onBodyChunkSent(request, chunk as Uint8Array));
    wrap(request, 'onRequestSent', () => onBodySent(request));
  };

  const onHeaders = (message: unknown) =>
    guard('fetch tap (response head)', () => {
      const { request, response } = message as { request: object; response: UndiciResponse };
      const call = byRequest.get(request);
      if (call === undefined) return;
      call.onResponseHead(response.statusCode, (name) => headerValue(response.headers, name));
      // A candidate its response head turned away: its chunks are not even looked at.
      if (call.dismissed) byRequest.delete(request);
    });

  // Hot path: once per body chunk of every fetch response, model call or not.
  const onChunk = (message: unknown) => {
    const { request, chunk } = message as { request: object; chunk: Uint8Array };
    const call = byRequest.get(request);
    if (call === undefined) return;
    try {
      call.onChunk(chunk);
    } catch (err) {
      reportInternalError('fetch tap (chunk)', err);
    }
  };

  const settle = (message: unknown, how: (call: ObservedCall, error?: unknown) => void) => {
    const { request, error } = message as { request: object; error?: unknown };
    const call = byRequest.get(request);
    if (!call) return;
    byRequest.delete(request);
    guard('fetch tap (end)', () => how(call, error));
    calls.done(call);
  };
  const onChunkSent = (message: unknown) => {
    const { request, chunk } = message as { request: object; chunk: Uint8Array };
    guard('fetch tap (request body)', () => onBodyChunkSent(request, chunk));
  };
  const onSent = (message: unknown) => guard('fetch tap (request body)', () => onBodySent((message as { request: object }).request));
  const onTrailers = (message: unknown) => settle(message, (call) => call.onComplete());
  const onError = (message: unknown) => settle(message, (call, error) => call.onError(error));

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [UNDICI_CHANNELS.create, onCreate],
    [UNDICI_CHANNELS.headers, onHeaders],
    [UNDICI_CHANNELS.trailers, onTrailers],
    [UNDICI_CHANNELS.error, onError],
  ];
  if (useChannel) {
    subscriptions.push(
      [UNDICI_CHANNELS.bodyChunkSent, onChunkSent],
      [UNDICI_CHANNELS.bodySent, onSent],
      [UNDICI_CHANNELS.bodyChunkReceived, onChunk],
    );
  }
  for (const [channel, handler] of subscriptions) diagnostics.subscribe(channel, handler);
  return {
    stop: () => {
      for (const [channel, handler] of subscriptions) diagnostics.unsubscribe(channel, handler);
    },
    isModelCall: (request) => {
      const call = byRequest.get(request);
      return call !== undefined && call.provisional !== true;
    },
  };
}

/** Parsed request origins (read only): a service calls a few hosts, and a URL parse per request showed in profiles. */
const parsedOrigins = new Map<string, URL>();
const MAX_PARSED_ORIGINS = 64;

function parseOrigin(origin: string | URL): URL {
  if (typeof origin !== 'string') return origin;
  let parsed = parsedOrigins.get(origin);
  if (parsed === undefined) {
    parsed = new URL(origin);
    if (parsedOrigins.size >= MAX_PARSED_ORIGINS) parsedOrigins.clear();
    parsedOrigins.set(origin, parsed);
  }
  return parsed;
}

/** Wraps one method of one request object: `observe` sees the arguments, the original result is returned. */
function wrap(request: UndiciRequest, method: 'onData' | 'onBodySent' | 'onRequestSent', observe: (arg: unknown) => void): void {
  const original = request[method] as ((...args: unknown[]) => unknown) | undefined;
  if (typeof original !== 'function') return;
  request[method] = function observed(this: UndiciRequest, ...args: unknown[]) {
    guard(`fetch tap (${method})`, () => observe(args[0]));
    return original.apply(this, args);
  };
}

/** The request body when undici holds it whole (what SDKs send: a JSON string); streams are left alone. */
function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return utf8Text([body]);
  return undefined;
}

/** The chunks decoded as one UTF-8 text; fetch sends an SDK's JSON body as one chunk, decoded without a copy. */
function utf8Text(chunks: readonly Uint8Array[]): string {
  if (chunks.length !== 1) return Buffer.concat(chunks).toString('utf8');
  const only = chunks[0]!;
  return Buffer.from(only.buffer, only.byteOffset, only.byteLength).toString('utf8');
}

/** undici gives raw header pairs: [name, value, name, value, ...] as Buffers. */
function headerValue(headers: Array<Buffer | string>, wanted: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!.toString();
    if (name.length === wanted.length && name.toLowerCase() === wanted) return headers[i + 1]!.toString();
  }
  return undefined;
}
