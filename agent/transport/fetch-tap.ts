// The fetch tap: undici's diagnostics channels, which Node's global fetch publishes for every
// request. Subscribing costs nothing per request that is not a model call, and nothing here
// touches the Response the application reads: chunks are observed as undici receives them.
import diagnostics from 'node:diagnostics_channel';
import { guard } from '../log.js';
import type { ModelCall } from '../spans/model-call.js';
import type { ModelCalls } from './model-calls.js';

/** The part of undici's internal Request that the tap reads (stable across undici 6 and 7). */
interface UndiciRequest {
  origin: string | URL;
  method: string;
  path: string;
  body?: unknown;
  addHeader(name: string, value: string): unknown;
  onData?: (chunk: Uint8Array) => unknown;
}

interface UndiciResponse {
  statusCode: number;
  headers: Array<Buffer | string>;
}

export const UNDICI_CHANNELS = {
  create: 'undici:request:create',
  headers: 'undici:request:headers',
  bodyChunkReceived: 'undici:request:bodyChunkReceived',
  trailers: 'undici:request:trailers',
  error: 'undici:request:error',
} as const;

/**
 * undici publishes body chunks on a channel from 7.11 (Node 24). On older undici (Node 22 bundles
 * 6.x) the tap wraps `onData` of the one request object instead. That is safe: undici calls
 * `request.onData(chunk)` synchronously for each chunk as it comes off the socket, before handing it
 * to fetch's body stream; the wrapper only looks at the chunk and returns the original return value,
 * which is undici's backpressure signal, so ordering, bytes and flow control are unchanged.
 */
export function hasBodyChunkChannel(undiciVersion = process.versions.undici): boolean {
  const [major = 0, minor = 0] = (undiciVersion ?? '0.0').split('.').map(Number);
  return major > 7 || (major === 7 && minor >= 11);
}

export function startFetchTap(calls: ModelCalls): () => void {
  const byRequest = new WeakMap<object, ModelCall>();
  const useChannel = hasBodyChunkChannel();

  const onCreate = (message: unknown) =>
    guard('fetch tap (request)', () => {
      const request = (message as { request: UndiciRequest }).request;
      const startedAt = performance.now();
      const origin = typeof request.origin === 'string' ? new URL(request.origin) : request.origin;
      const queryAt = request.path.indexOf('?');
      const target = {
        method: request.method,
        host: origin.hostname.toLowerCase(),
        port: Number(origin.port) || (origin.protocol === 'https:' ? 443 : 80),
        path: queryAt < 0 ? request.path : request.path.slice(0, queryAt),
        url: origin.origin + request.path,
      };
      const recognised = calls.recognise(target);
      if (!recognised) return;
      const call = calls.begin(recognised, target, startedAt, bodyText(request.body), (name, value) => request.addHeader(name, value));
      byRequest.set(request, call);
      if (!useChannel && typeof request.onData === 'function') {
        const original = request.onData;
        request.onData = function onDataObserved(this: UndiciRequest, chunk: Uint8Array) {
          guard('fetch tap (chunk)', () => call.onChunk(chunk));
          return original.call(this, chunk);
        };
      }
    });

  const onHeaders = (message: unknown) =>
    guard('fetch tap (response head)', () => {
      const { request, response } = message as { request: object; response: UndiciResponse };
      byRequest.get(request)?.onResponseHead(response.statusCode, headerValue(response.headers, 'content-type'));
    });

  const onChunk = (message: unknown) => {
    const { request, chunk } = message as { request: object; chunk: Uint8Array };
    const call = byRequest.get(request);
    if (call) guard('fetch tap (chunk)', () => call.onChunk(chunk));
  };

  const settle = (message: unknown, how: (call: ModelCall, error?: unknown) => void) => {
    const { request, error } = message as { request: object; error?: unknown };
    const call = byRequest.get(request);
    if (!call) return;
    byRequest.delete(request);
    guard('fetch tap (end)', () => how(call, error));
    calls.done(call);
  };
  const onTrailers = (message: unknown) => settle(message, (call) => call.onComplete());
  const onError = (message: unknown) => settle(message, (call, error) => call.onError(error));

  diagnostics.subscribe(UNDICI_CHANNELS.create, onCreate);
  diagnostics.subscribe(UNDICI_CHANNELS.headers, onHeaders);
  if (useChannel) diagnostics.subscribe(UNDICI_CHANNELS.bodyChunkReceived, onChunk);
  diagnostics.subscribe(UNDICI_CHANNELS.trailers, onTrailers);
  diagnostics.subscribe(UNDICI_CHANNELS.error, onError);
  return () => {
    diagnostics.unsubscribe(UNDICI_CHANNELS.create, onCreate);
    diagnostics.unsubscribe(UNDICI_CHANNELS.headers, onHeaders);
    if (useChannel) diagnostics.unsubscribe(UNDICI_CHANNELS.bodyChunkReceived, onChunk);
    diagnostics.unsubscribe(UNDICI_CHANNELS.trailers, onTrailers);
    diagnostics.unsubscribe(UNDICI_CHANNELS.error, onError);
  };
}

/** The request body when undici holds it whole (what SDKs send: a JSON string); streams are left alone. */
function bodyText(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  return undefined;
}

/** undici gives raw header pairs: [name, value, name, value, ...] as Buffers. */
function headerValue(headers: Array<Buffer | string>, wanted: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!.toString();
    if (name.length === wanted.length && name.toLowerCase() === wanted) return headers[i + 1]!.toString();
  }
  return undefined;
}
