// The node:http2 client tap on its own, in-process: a plain http2.connect client against the model
// simulator's cleartext HTTP/2, a real SDK tracer, and nothing else of the agent. The application
// reads exactly the bytes the server sent, a stream nobody reads stays as it was (no 'data'
// listener, no flowing switch), other HTTP/2 requests are left alone, and nothing the tap does,
// or fails to do, reaches the application.
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { readFileSync } from 'node:fs';
import { connect, constants, createServer as createHttp2Server, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelCall } from '../../agent/spans/model-call.js';
import { startHttp2Tap } from '../../agent/transport/http2-tap.js';
import { ModelCalls } from '../../agent/transport/model-calls.js';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';

const RECORDINGS_DIR = new URL('../fixtures/provider-recordings/', import.meta.url).pathname;
const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const CONVERSE_STREAM = `/model/${encodeURIComponent(MODEL)}/converse-stream`;
const body = JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'hello there' }] }], inferenceConfig: { maxTokens: 64, temperature: 0.5 } });

let sim: ModelSimulator;
let exporter: InMemorySpanExporter;
let calls: ModelCalls;
let stopTap: () => void;
const sessions: ClientHttp2Session[] = [];

beforeAll(async () => {
  sim = await startModelSimulator({ replayDir: RECORDINGS_DIR });
  exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  calls = new ModelCalls(provider.getTracer('llm-otel-agent'), { captureContent: false, captureMaxLength: 100, idleTimeoutMs: 60_000, streamIncludeUsage: false });
  stopTap = startHttp2Tap(calls);
});
afterEach(() => {
  for (const session of sessions.splice(0)) session.destroy();
  exporter.reset();
});
afterAll(async () => {
  stopTap();
  calls.endAll();
  await sim.close();
});

function session(url = sim.url): ClientHttp2Session {
  const created = connect(url);
  created.on('error', () => undefined); // the application's own handler
  sessions.push(created);
  return created;
}

function request(path: string, headers: Record<string, string> = {}, requestBody: string | undefined = body): ClientHttp2Stream {
  const stream = session().request({ ':method': 'POST', ':path': path, 'content-type': 'application/json', ...headers });
  if (requestBody !== undefined) {
    // Two writes, as a streaming body would come: the tap reads the request once it ends.
    stream.write(requestBody.slice(0, 10));
    stream.end(requestBody.slice(10));
  } else stream.end();
  return stream;
}

const responseOf = (stream: ClientHttp2Stream) => new Promise<IncomingHttpHeaders>((resolve) => stream.once('response', resolve));

async function readAll(stream: ClientHttp2Stream): Promise<{ bytes: Buffer; error?: NodeJS.ErrnoException }> {
  const parts: Buffer[] = [];
  try {
    for await (const part of stream) parts.push(part as Buffer);
    return { bytes: Buffer.concat(parts) };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error: error as NodeJS.ErrnoException };
  }
}

/** The spans so far, once `count` have ended (the tap ends them as the stream closes). */
async function spans(count: number): Promise<ReadableSpan[]> {
  for (let waited = 0; exporter.getFinishedSpans().length < count && waited < 2000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  const finished = exporter.getFinishedSpans();
  expect(finished).toHaveLength(count);
  return finished;
}

describe('the HTTP/2 tap', () => {
  it('reads a recorded ConverseStream the application receives byte for byte: one span with its facts', async () => {
    const name = 'bedrock-converse-stream.json';
    const recorded = Buffer.from(JSON.parse(readFileSync(join(RECORDINGS_DIR, name), 'utf8')).response.body_base64, 'base64');
    const stream = request(CONVERSE_STREAM, { 'x-sim-replay': name, 'x-sim-first-chunk-ms': '120', 'x-sim-interval-ms': '5' });
    const { bytes } = await readAll(stream);
    expect(bytes.equals(recorded)).toBe(true);
    const [span] = await spans(1);
    expect(span!.name).toBe(`chat ${MODEL}`);
    expect(span!.attributes).toMatchObject({
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': MODEL,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 12,
      'gen_ai.usage.output_tokens': 5,
      'llm.response.chunk_count': 2,
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'url.full': `http://127.0.0.1:${sim.port}${CONVERSE_STREAM}`,
    });
    // The first content message came 120 ms after the request (the schedule's first-chunk delay).
    expect(span!.attributes['gen_ai.response.time_to_first_chunk'] as number).toBeGreaterThanOrEqual(0.12);
    expect(span!.status.code).not.toBe(2);
    expect(sim.calls.at(-1)!.httpVersion).toBe('2.0');
  });

  it('adds no listener and switches no mode: a stream nobody reads stays unread, its backpressure holds the server, then it reads whole', async () => {
    // Far more than HTTP/2's flow-control window (64 KiB): unread, the server must stop writing.
    const chunks = 4000;
    const stream = request(CONVERSE_STREAM, { 'x-sim-chunks': String(chunks) }, JSON.stringify({ messages: [] }));
    const dataListeners = stream.listenerCount('data');
    await responseOf(stream);
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.readableFlowing).toBeNull();
    expect(stream.listenerCount('data')).toBe(dataListeners);
    expect(stream.listenerCount('error')).toBe(0);
    expect(stream.readableLength).toBeGreaterThan(0);
    // Explicitly paused, it stays paused; the body has not all come, so the call has not ended.
    stream.pause();
    await new Promise((r) => setTimeout(r, 50));
    expect(stream.readableFlowing).toBe(false);
    expect(sim.calls.at(-1)!.chunks).toBeLessThan(chunks);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    const { bytes } = await readAll(stream);
    expect(bytes.length).toBeGreaterThan(chunks * 60);
    const [span] = await spans(1);
    expect(span!.attributes).toMatchObject({ 'llm.response.chunk_count': chunks, 'gen_ai.usage.output_tokens': chunks });
  });

  it('leaves other HTTP/2 requests alone: no span, no wrapped method', async () => {
    for (const [method, path] of [['GET', '/_sim/calls'], ['POST', '/v2/models/m/infer'], ['GET', CONVERSE_STREAM]] as const) {
      const stream = session().request({ ':method': method, ':path': path });
      stream.end();
      await responseOf(stream);
      await readAll(stream);
      expect(Object.hasOwn(stream, 'push') || Object.hasOwn(stream, 'write') || Object.hasOwn(stream, 'end')).toBe(false);
    }
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('ends the span as the stream ends: an HTTP error, an exception message, a reset, a cancel', async () => {
    const throttled = request(CONVERSE_STREAM, { 'x-sim-error': '429' });
    expect((await responseOf(throttled))[':status']).toBe(429);
    await readAll(throttled);
    const midstream = request(CONVERSE_STREAM, { 'x-sim-error': 'midstream', 'x-sim-chunks': '6' });
    await readAll(midstream);
    const truncated = request(CONVERSE_STREAM, { 'x-sim-error': 'truncate', 'x-sim-chunks': '6' });
    expect((await readAll(truncated)).error?.code).toBe('ERR_HTTP2_STREAM_ERROR');
    const cancelled = request(CONVERSE_STREAM, { 'x-sim-chunks': '50', 'x-sim-interval-ms': '10' });
    await responseOf(cancelled);
    await new Promise((r) => setTimeout(r, 60));
    cancelled.close(constants.NGHTTP2_CANCEL);
    await new Promise((resolve) => cancelled.once('close', resolve));
    const [a, b, c, d] = await spans(4);
    expect(a!.attributes).toMatchObject({ 'error.type': '429', 'http.response.status_code': 429 });
    expect(b!.attributes).toMatchObject({ 'error.type': 'modelStreamErrorException', 'llm.response.chunk_count': 3 });
    expect(c!.attributes).toMatchObject({ 'error.type': 'ERR_HTTP2_STREAM_ERROR', 'llm.response.end': 'error' });
    expect(d!.attributes).toMatchObject({ 'error.type': 'cancelled', 'llm.response.end': 'cancelled' });
    for (const span of [a, b, c, d]) expect(span!.status.code).toBe(2);
  });

  it('a connection that goes away under a stream is an error, though Node tells the application only of an early end', async () => {
    // A server that answers HTTP/2 and destroys the connection after the first DATA frame.
    const server = createHttp2Server();
    server.on('stream', (stream: ServerHttp2Stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/vnd.amazon.eventstream' });
      stream.write(Buffer.alloc(20, 1));
      setTimeout(() => stream.session?.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const stream = session(`http://127.0.0.1:${port}`).request({ ':method': 'POST', ':path': CONVERSE_STREAM });
      stream.end(body);
      const { error } = await readAll(stream);
      expect(error).toBeUndefined();
      const [span] = await spans(1);
      expect(span!.attributes).toMatchObject({ 'error.type': 'ECONNRESET', 'llm.response.end': 'error' });
    } finally {
      server.close();
    }
  });

  it('a session that never connects: the application gets its errors, the span ends with the session\'s code', async () => {
    const closed: Server = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = connect(`http://127.0.0.1:${port}`);
    sessions.push(refused);
    const sessionError = new Promise<NodeJS.ErrnoException>((resolve) => refused.once('error', resolve));
    const stream = refused.request({ ':method': 'POST', ':path': CONVERSE_STREAM });
    const streamError = new Promise<NodeJS.ErrnoException>((resolve) => stream.once('error', resolve));
    stream.end(body);
    expect((await sessionError).code).toBe('ECONNREFUSED');
    // Node cancels the pending stream and names the session's error as the cause.
    expect((await streamError).code).toBe('ERR_HTTP2_STREAM_CANCEL');
    const [span] = await spans(1);
    expect(span!.attributes['error.type']).toBe('ECONNREFUSED');
  });

  it('the agent fails, the application does not notice: a recorder that throws on every chunk', async () => {
    const onChunk = ModelCall.prototype.onChunk;
    const written: string[] = [];
    const write = process.stderr.write;
    ModelCall.prototype.onChunk = () => {
      throw new Error('injected recorder fault');
    };
    process.stderr.write = ((text: string) => (written.push(String(text)), true)) as typeof process.stderr.write;
    try {
      const name = 'bedrock-converse-stream.json';
      const recorded = Buffer.from(JSON.parse(readFileSync(join(RECORDINGS_DIR, name), 'utf8')).response.body_base64, 'base64');
      for (let i = 0; i < 2; i++) {
        const { bytes, error } = await readAll(request(CONVERSE_STREAM, { 'x-sim-replay': name }));
        expect(error).toBeUndefined();
        expect(bytes.equals(recorded)).toBe(true);
      }
    } finally {
      ModelCall.prototype.onChunk = onChunk;
      process.stderr.write = write;
    }
    // Said once, not once per chunk or per call.
    expect(written.filter((line) => line.includes('http2 tap (chunk)'))).toHaveLength(1);
    await spans(2);
  });

  it('stops observing when stopped', async () => {
    stopTap();
    try {
      await readAll(request(CONVERSE_STREAM));
      await new Promise((r) => setTimeout(r, 50));
      expect(exporter.getFinishedSpans()).toHaveLength(0);
    } finally {
      stopTap = startHttp2Tap(calls);
    }
  });
});
