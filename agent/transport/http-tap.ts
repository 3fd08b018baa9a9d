// The node:http / node:https client tap (openai v4 on node-fetch, axios, got, ...), through Node's
// http diagnostics channels. The request body is observed by wrapping write/end of the one
// ClientRequest; the response body by wrapping `push` of the one IncomingMessage, which Node's HTTP
// parser calls for each body chunk as it arrives. Neither adds a 'data' listener, so the stream's
// mode, its backpressure (push's return value is passed through) and the bytes the application
// reads are exactly what they would be without the agent.
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { guard, reportInternalError } from '../log.js';
import type { RecognisedCall } from '../providers/types.js';
import type { ModelCalls, ObservedCall } from './model-calls.js';
import { bodyWithStreamUsage } from './stream-usage.js';
import { recognise, recogniseCandidate } from '../providers/table.js';
import { MAX_REQUEST_BODY_BYTES, requestTarget, type RequestTarget } from './request-target.js';

export const HTTP_CHANNELS = {
  // `created` (Node 22.17+/24.5+) fires while headers can still be set; older Nodes have only `start`.
  created: 'http.client.request.created',
  start: 'http.client.request.start',
  error: 'http.client.request.error',
  response: 'http.client.response.finish',
} as const;

interface Pending {
  call?: ObservedCall;
  recognised: RecognisedCall;
  target: RequestTarget;
  startedAt: number;
  body: Buffer[];
}


export function startHttpTap(calls: ModelCalls): () => void {
  const byRequest = new WeakMap<ClientRequest, Pending>();
  const requestChannel = hasChannel(HTTP_CHANNELS.created) ? HTTP_CHANNELS.created : HTTP_CHANNELS.start;

  const begin = (request: ClientRequest, pending: Pending, body: string | undefined): ObservedCall => {
    const call = calls.begin(pending.recognised, pending.target, pending.startedAt, body, (name, value) => {
      if (!request.headersSent) request.setHeader(name, value);
    });
    pending.call = call;
    return call;
  };

  const onRequest = (message: unknown) =>
    guard('http tap (request)', () => {
      const request = (message as { request: ClientRequest }).request;
      if (byRequest.has(request)) return;
      const startedAt = performance.now();
      const target = targetOf(request);
      const recognised = recognise(target) ?? recogniseCandidate(target);
      if (!recognised) return;
      const pending: Pending = { recognised, target, startedAt, body: [] };
      byRequest.set(request, pending);
      let bodyBytes = 0;
      const keep = (chunk: unknown, encoding: unknown) => {
        if (chunk == null || typeof chunk === 'function' || bodyBytes > MAX_REQUEST_BODY_BYTES) return;
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array);
        bodyBytes += buffer.byteLength;
        pending.body.push(buffer);
      };
      // The span starts at the first write or at end, while headers can still carry traceparent;
      // its start time is when the request was created.
      const write = request.write;
      request.write = function observedWrite(this: ClientRequest, ...args: unknown[]) {
        guard('http tap (write)', () => {
          if (calls.options.streamIncludeUsage) askForStreamUsage(request, recognised, args);
          keep(args[0], args[1]);
          if (!pending.call) begin(request, pending, undefined);
        });
        return (write as (...a: unknown[]) => boolean).apply(this, args);
      } as typeof request.write;
      const end = request.end;
      request.end = function observedEnd(this: ClientRequest, ...args: unknown[]) {
        guard('http tap (end)', () => {
          if (calls.options.streamIncludeUsage) askForStreamUsage(request, recognised, args);
          keep(args[0], args[1]);
          const body = pending.body.length ? Buffer.concat(pending.body).toString('utf8') : undefined;
          pending.body = [];
          if (!pending.call) begin(request, pending, body);
          else if (body !== undefined) pending.call.lateRequestBody(body);
        });
        return (end as (...a: unknown[]) => ClientRequest).apply(this, args);
      } as typeof request.end;
    });

  const onResponse = (message: unknown) =>
    guard('http tap (response head)', () => {
      const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
      const pending = byRequest.get(request);
      const call = pending?.call;
      if (!call) return;
      call.onResponseHead(response.statusCode ?? 0, (name) => headerString(response.headers[name]));
      // A candidate its response head turned away: its body is left alone.
      if (call.dismissed) {
        byRequest.delete(request);
        return;
      }
      const push = response.push;
      // Hot path: once per body chunk; no closure allocated per chunk.
      response.push = function observedPush(this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding) {
        try {
          if (chunk === null) finish(request, completeCall);
          else if (chunk instanceof Uint8Array) call.onChunk(chunk);
        } catch (err) {
          reportInternalError('http tap (chunk)', err);
        }
        return push.call(this, chunk, encoding);
      };
      // 'close' without the end of the body: the application or the network cut the response short.
      response.once('close', () => finish(request, (c) => (response.complete ? c.onComplete() : c.onCancel())));
    });

  const completeCall = (call: ObservedCall) => call.onComplete();
  const finish = (request: ClientRequest, how: (call: ObservedCall) => void) => {
    const call = byRequest.get(request)?.call;
    if (!call || call.ended) return;
    byRequest.delete(request);
    guard('http tap (end)', () => how(call));
    calls.done(call);
  };

  const onError = (message: unknown) => {
    const { request, error } = message as { request: ClientRequest; error: unknown };
    finish(request, (call) => call.onError(error));
  };

  diagnostics.subscribe(requestChannel, onRequest);
  diagnostics.subscribe(HTTP_CHANNELS.response, onResponse);
  diagnostics.subscribe(HTTP_CHANNELS.error, onError);
  return () => {
    diagnostics.unsubscribe(requestChannel, onRequest);
    diagnostics.unsubscribe(HTTP_CHANNELS.response, onResponse);
    diagnostics.unsubscribe(HTTP_CHANNELS.error, onError);
  };
}

/**
 * LLM_OTEL_STREAM_INCLUDE_USAGE: rewrites a whole JSON body written in one piece before the headers
 * are sent (what node-fetch and SDKs do), fixing Content-Length to match. Anything else is left as is.
 */
function askForStreamUsage(request: ClientRequest, call: RecognisedCall, args: unknown[]): void {
  const chunk = args[0];
  if (request.headersSent || chunk == null || typeof chunk === 'function') return;
  const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : undefined;
  if (text === undefined) return;
  const rewritten = bodyWithStreamUsage(call, text);
  if (rewritten === undefined) return;
  const bytes = Buffer.from(rewritten, 'utf8');
  if (request.hasHeader('content-length')) request.setHeader('content-length', bytes.byteLength);
  args[0] = bytes;
  if (typeof args[1] === 'string') args[1] = undefined; // the encoding applied to the old string
}

function hasChannel(name: string): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (name !== HTTP_CHANNELS.created) return true;
  return major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 17) || major === 23;
}

function targetOf(request: ClientRequest): RequestTarget {
  // The Host header carries the port the request was sent to; request.host is the bare name.
  const hostHeader = headerString(request.getHeader('host'));
  return requestTarget({ method: request.method, protocol: request.protocol, host: hostHeader ?? request.host, path: request.path });
}

function headerString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number') return String(value);
  return undefined;
}
