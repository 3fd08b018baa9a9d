// The node:http2 client tap (the AWS SDK's default NodeHttp2Handler, gRPC-style clients), through
// Node's http2 client diagnostics channels (Node 22.17+ and 24.1+; on older Nodes they never
// publish and HTTP/2 calls go unobserved). `created` gives the stream and its request headers
// (:method, :authority, :scheme, :path) inside the application's session.request() call, so the
// span starts in its context; `finish` gives the response headers; `close` and `error` how it ended.
//
// The request body is observed by wrapping write/end of the one ClientHttp2Stream, as the http tap
// does for a ClientRequest; the response body by wrapping `push` of the same stream, which Node's
// stream machinery calls for each DATA chunk as it arrives (and with null when the peer ends the
// stream). No 'data' or 'error' listener is added, so the stream's mode, its backpressure (push's
// return value is passed through), its error handling and the bytes the application reads are
// exactly what they would be without the agent.
//
// Propagation headers are not added: HTTP/2 request headers are sent by session.request() itself,
// before any channel publishes, so there is no moment at which a traceparent could still go out.
import diagnostics from 'node:diagnostics_channel';
import type { ClientHttp2Stream, IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { guard, reportInternalError } from '../log.js';
import { recognise } from '../providers/table.js';
import type { ModelCalls, ObservedCall } from './model-calls.js';
import { MAX_REQUEST_BODY_BYTES, requestTarget, type RequestTarget } from './request-target.js';

export const HTTP2_CHANNELS = {
  created: 'http2.client.stream.created',
  /** Published when the response headers arrive (the stream's `response` event), despite its name. */
  response: 'http2.client.stream.finish',
  close: 'http2.client.stream.close',
  error: 'http2.client.stream.error',
} as const;

/** Nothing can be injected into an HTTP/2 request once it exists (see above). */
const NO_PROPAGATION = (): void => undefined;

export function startHttp2Tap(calls: ModelCalls): () => void {
  const byStream = new WeakMap<ClientHttp2Stream, ObservedCall>();

  const finish = (stream: ClientHttp2Stream, how: (call: ObservedCall) => void) => {
    const call = byStream.get(stream);
    if (!call || call.ended) return;
    byStream.delete(stream);
    guard('http2 tap (end)', () => how(call));
    calls.done(call);
  };
  const complete = (call: ObservedCall) => call.onComplete();

  const onCreated = (message: unknown) =>
    guard('http2 tap (request)', () => {
      const { stream, headers } = message as { stream: ClientHttp2Stream; headers?: OutgoingHttpHeaders };
      if (byStream.has(stream)) return;
      const startedAt = performance.now();
      const target = targetOf(headers ?? stream.sentHeaders);
      if (target === undefined) return;
      const recognised = recognise(target);
      if (!recognised) return;
      const call = calls.begin(recognised, target, startedAt, undefined, NO_PROPAGATION);
      byStream.set(stream, call);
      observeRequestBody(stream, call);
    });

  const onResponse = (message: unknown) =>
    guard('http2 tap (response head)', () => {
      const { stream, headers } = message as { stream: ClientHttp2Stream; headers: IncomingHttpHeaders };
      const call = byStream.get(stream);
      if (!call) return;
      call.onResponseHead(Number(headers[':status']) || 0, (name) => headerString(headers[name]));
      const push = stream.push;
      // Hot path: once per DATA chunk; no closure allocated per chunk.
      stream.push = function observedPush(this: ClientHttp2Stream, chunk: unknown, encoding?: BufferEncoding) {
        try {
          // Null before the stream closed: the peer ended it (END_STREAM). Node pushes null again when
          // it destroys a stream that was closed early; by then `closed` is set and 'close' decides.
          if (chunk === null) {
            if (!this.closed) finish(stream, complete);
          } else if (chunk instanceof Uint8Array) call.onChunk(chunk);
        } catch (err) {
          reportInternalError('http2 tap (chunk)', err);
        }
        return push.call(this, chunk, encoding);
      };
    });

  const onError = (message: unknown) => {
    const { stream, error } = message as { stream: ClientHttp2Stream; error: unknown };
    finish(stream, (call) => call.onError(causeOf(error)));
  };

  // The stream closed before the peer ended it (a peer's END_STREAM completed the call in push).
  // A reset by the peer, a session error or an AbortSignal is published on the error channel right
  // after, in the same turn, and wins; otherwise the application closed it (a cancel), or the
  // connection under it went away, which Node reports to the application as nothing but an early end.
  const onClose = (message: unknown) =>
    guard('http2 tap (close)', () => {
      const { stream } = message as { stream: ClientHttp2Stream };
      const call = byStream.get(stream);
      if (!call || call.ended) return;
      const connectionLost = socketDestroyed(stream);
      process.nextTick(() => finish(stream, (c) => (connectionLost ? c.onError(connectionClosed()) : c.onCancel())));
    });

  const subscriptions: Array<[string, (message: unknown) => void]> = [
    [HTTP2_CHANNELS.created, onCreated],
    [HTTP2_CHANNELS.response, onResponse],
    [HTTP2_CHANNELS.close, onClose],
    [HTTP2_CHANNELS.error, onError],
  ];
  for (const [channel, handler] of subscriptions) diagnostics.subscribe(channel, handler);
  return () => {
    for (const [channel, handler] of subscriptions) diagnostics.unsubscribe(channel, handler);
  };
}

/**
 * Collects what the application writes to the stream, up to MAX_REQUEST_BODY_BYTES, and reads it
 * when the application ends its side (SDKs write a JSON body with one end()).
 */
function observeRequestBody(stream: ClientHttp2Stream, call: ObservedCall): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const keep = (chunk: unknown, encoding: unknown) => {
    if (chunk == null || typeof chunk === 'function' || bytes > MAX_REQUEST_BODY_BYTES) return;
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : undefined;
    if (buffer === undefined) return;
    bytes += buffer.byteLength;
    chunks.push(buffer);
  };
  const write = stream.write;
  stream.write = function observedWrite(this: ClientHttp2Stream, ...args: unknown[]) {
    guard('http2 tap (write)', () => keep(args[0], args[1]));
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof stream.write;
  const end = stream.end;
  stream.end = function observedEnd(this: ClientHttp2Stream, ...args: unknown[]) {
    guard('http2 tap (end)', () => {
      keep(args[0], args[1]);
      if (chunks.length > 0 && bytes <= MAX_REQUEST_BODY_BYTES) call.lateRequestBody(Buffer.concat(chunks).toString('utf8'));
      chunks.length = 0;
    });
    return (end as (...a: unknown[]) => ClientHttp2Stream).apply(this, args);
  } as typeof stream.end;
}

/** A stream Node cancels because its session failed (ECONNREFUSED, say) carries the session's error as its cause. */
function causeOf(error: unknown): unknown {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  return code === 'ERR_HTTP2_STREAM_CANCEL' && cause instanceof Error ? cause : error;
}

/** Whether the session's socket is already gone; the socket is a proxy that refuses some reads. */
function socketDestroyed(stream: ClientHttp2Stream): boolean {
  try {
    return stream.session?.socket?.destroyed === true;
  } catch {
    return false;
  }
}

/** What a stream cut short by its connection is recorded as (Node raises no error of its own). */
function connectionClosed(): Error {
  return Object.assign(new Error('the HTTP/2 connection closed before the response ended'), { code: 'ECONNRESET' });
}

/** Where an HTTP/2 request goes, from its pseudo-headers; undefined for raw header arrays. */
function targetOf(headers: OutgoingHttpHeaders | undefined): RequestTarget | undefined {
  if (headers === undefined || Array.isArray(headers)) return undefined;
  const scheme = headerString(headers[':scheme']);
  return requestTarget({
    method: headerString(headers[':method']),
    protocol: scheme === undefined ? undefined : `${scheme}:`,
    host: headerString(headers[':authority']) ?? headerString(headers.host),
    path: headerString(headers[':path']),
  });
}

function headerString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') return String(value);
  return undefined;
}
