// A stream the application stops reading without cancelling it: nothing may be held forever. The
// sweep ends such calls as abandoned. In-process, with a real SDK tracer and a real HTTP server.
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFetchTap } from '../../agent/transport/fetch-tap.js';
import { ModelCalls } from '../../agent/transport/model-calls.js';

let server: Server;
let url: string;
beforeAll(async () => {
  // Streams one chunk, then keeps the response open without writing more.
  server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}]}\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it('ends a call whose stream nobody reads any more, as abandoned', async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const calls = new ModelCalls(provider.getTracer('llm-otel-agent'), {
    captureContent: false,
    captureMaxLength: 100,
    idleTimeoutMs: 300,
    streamIncludeUsage: false,
  });
  const tap = startFetchTap(calls);
  try {
    const response = await fetch(url, { method: 'POST', body: JSON.stringify({ model: 'm', stream: true, messages: [] }) });
    expect(response.status).toBe(200);
    // The application walks away from the body without reading or cancelling it.
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const [span] = exporter.getFinishedSpans();
    expect(span, 'the abandoned call was never ended').toBeDefined();
    expect(span!.attributes['llm.response.end']).toBe('abandoned');
    expect(span!.attributes['error.type']).toBe('abandoned');
    expect(span!.attributes['gen_ai.request.model']).toBe('m');
    expect(span!.attributes['llm.response.chunk_count']).toBe(1);
    await response.body?.cancel();
  } finally {
    tap.stop();
    calls.endAll();
  }
});
