// The service under test: an HTTP server whose handlers call the model simulator through the real
// `openai` SDK. The runner starts it as a child process, once per configuration and repeat, with that
// configuration's preload flags (none, llm-otel-agent, or a peer's preload file).
//
// `openai` and `node:http` are loaded with require(): every peer patches modules with
// require-in-the-middle, which needs no extra ESM loader set-up, so each peer runs as its docs'
// plain start describes. llm-otel-agent observes fetch through diagnostics channels either way.
import diagnostics from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { RECORDING_HEADER, SERVICE_PATHS, STREAM_RECORD_LIMIT } from './lib/service-protocol.mjs';

const require = createRequire(import.meta.url);
const http = require('node:http');
const { OpenAI } = require('openai');

const simUrl = process.env.BENCH_SIM_URL;
if (!simUrl) throw new Error('BENCH_SIM_URL is not set');
const MODEL = 'gpt-4o-mini';
// OpenAI's advice for streams: ask for the usage chunk. Without it some tools count tokens themselves
// (OpenLIT builds a tiktoken encoder per call: about a second of CPU); BENCH_INCLUDE_USAGE=0 measures that.
const STREAM_OPTIONS = process.env.BENCH_INCLUDE_USAGE === '0' ? undefined : { include_usage: true };
const MESSAGES = [{ role: 'user', content: 'Write a short poem about observability.' }];

/** Epoch milliseconds with sub-ms precision, on the clock OpenTelemetry stamps spans with. */
const epochNow = () => performance.timeOrigin + performance.now();

// The client's true receive time of each streamed call's first content: when those bytes reached the
// process (undici hands a body chunk to JavaScript), seen by the bench's own diagnostics-channel
// observer. Installed alike in every row, no-agent included, so it costs the same everywhere. The SDK
// yields the chunk later (at zero simulated delay the whole stream is in before create() returns);
// that app-read time is recorded too, and the report shows the error against both.
const watchedRequests = new WeakMap();
const firstArrivals = new Map();
const CONTENT_DELTA = /"content":"[^"]/;
diagnostics.subscribe('undici:request:create', ({ request }) => {
  const callId = headerOf(request.headers, RECORDING_HEADER);
  if (callId !== undefined) watchedRequests.set(request, callId);
});
diagnostics.subscribe('undici:request:bodyChunkReceived', ({ request, chunk }) => {
  const callId = watchedRequests.get(request);
  if (callId === undefined) return;
  const arrivedAt = epochNow();
  if (!CONTENT_DELTA.test(Buffer.from(chunk).toString('latin1'))) return;
  firstArrivals.set(callId, arrivedAt);
  watchedRequests.delete(request);
});

/** A request header from undici's request: [name, value, ...] (undici 7) or "name: value\r\n" text (undici 6). */
function headerOf(headers, wanted) {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) if (String(headers[i]).toLowerCase() === wanted) return String(headers[i + 1]);
    return undefined;
  }
  const match = typeof headers === 'string' ? new RegExp(`^${wanted}: *(.*)$`, 'im').exec(headers) : null;
  return match ? match[1].trim() : undefined;
}

// The simulator's x-request-id for each call, found through the bench's call header, so the runner
// can match the simulator's own record of when it wrote the first content chunk.
const simRequestIds = new Map();
async function fetchRecordingSimId(url, init) {
  const response = await globalThis.fetch(url, init);
  // openai v6 passes a Headers object; only streaming calls carry the header.
  const callId = init?.headers instanceof Headers ? init.headers.get(RECORDING_HEADER) : null;
  if (callId) simRequestIds.set(callId, response.headers.get('x-request-id'));
  return response;
}

// The SDK's default retries stay on, as in a real service: a keep-alive socket the simulator closed
// while the service's event loop was busy (seen with OpenLIT) is retried rather than failed.
const openai = new OpenAI({ baseURL: `${simUrl}/v1`, apiKey: 'bench', fetch: fetchRecordingSimId });

/** One record per timed streaming call, drained by the runner; bounded so a soak run does not grow. */
let streamRecords = [];
let nextCallId = 0;

async function streamChat() {
  const callId = String(nextCallId++);
  const issuedAt = epochNow();
  const stream = await openai.chat.completions.create(
    { model: MODEL, messages: MESSAGES, stream: true, stream_options: STREAM_OPTIONS },
    { headers: { [RECORDING_HEADER]: callId } },
  );
  let responseId = null;
  let firstContentAt = null;
  let chunks = 0;
  for await (const chunk of stream) {
    if (firstContentAt === null && chunk.choices?.[0]?.delta?.content) {
      firstContentAt = epochNow();
      responseId = chunk.id;
    }
    chunks++;
  }
  const simRequestId = simRequestIds.get(callId) ?? null;
  simRequestIds.delete(callId);
  const firstContentArrivedAt = firstArrivals.get(callId) ?? null;
  firstArrivals.delete(callId);
  if (streamRecords.length < STREAM_RECORD_LIMIT) streamRecords.push({ responseId, issuedAt, firstContentArrivedAt, firstContentAt, simRequestId });
  return { chunks };
}

/**
 * The model-call-only workloads: `calls` streamed or whole model calls, `concurrency` at a time,
 * made by the service itself, timed inside it (wall and process CPU around the loop alone).
 */
async function modelCalls(query) {
  const calls = Number(query.get('calls'));
  const concurrency = Number(query.get('concurrency'));
  const call = query.get('kind') === 'chat' ? () => openai.chat.completions.create({ model: MODEL, messages: MESSAGES }) : streamOnly;
  const latenciesMs = [];
  let issued = 0;
  const worker = async () => {
    while (issued < calls) {
      issued++;
      const started = performance.now();
      await call();
      latenciesMs.push(performance.now() - started);
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { calls: issued, elapsedMs, latenciesMs, errors: 0, cutShort: false, cpuMicros: cpu.user + cpu.system };
}

/** A streamed call read to its end, with none of the recording streamChat does for the accuracy figures. */
async function streamOnly() {
  const stream = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES, stream: true, stream_options: STREAM_OPTIONS });
  let chunks = 0;
  for await (const _chunk of stream) chunks++;
  return chunks;
}

async function chat() {
  const completion = await openai.chat.completions.create({ model: MODEL, messages: MESSAGES });
  return { tokens: completion.usage?.completion_tokens ?? 0 };
}

async function embeddings() {
  const result = await openai.embeddings.create({ model: 'text-embedding-3-small', input: ['observability', 'costs nothing'] });
  return { vectors: result.data.length };
}

/** Process figures the runner reads around each timed phase. */
function usage() {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    maxRss: process.resourceUsage().maxRSS * 1024,
  };
}

/**
 * Flushes whatever tracer provider the preload registered. Read from the OpenTelemetry API's global
 * registry itself: an API copy of another minor version would refuse to hand it over.
 */
async function flushTelemetry() {
  const registered = globalThis[Symbol.for('opentelemetry.js.api.1')]?.trace;
  const provider = typeof registered?.getDelegate === 'function' ? registered.getDelegate() : registered;
  if (typeof provider?.forceFlush !== 'function') return { flushed: false };
  await provider.forceFlush();
  return { flushed: true };
}

function drainStreamRecords() {
  const records = streamRecords;
  streamRecords = [];
  return records;
}

function collectGarbage() {
  globalThis.gc?.();
  return usage();
}

async function distinctModels() {
  const count = Number(process.env.BENCH_DISTINCT_MODELS ?? 0);
  for (let i = 0; i < count; i += 8) {
    const batch = Array.from({ length: Math.min(8, count - i) }, (_, j) => openai.chat.completions.create({ model: `model-${i + j}`, messages: MESSAGES }));
    await Promise.all(batch);
  }
  return { models: count };
}

// The event loop as the service's requests feel it while a scrape is served (resolution 1 ms).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let loopCpuStart = process.cpuUsage();
let loopWallStart = performance.now();
/** The longest garbage-collection pause while the loop is watched: what a long block was, when it was one. */
let gcPauseMaxMs = 0;
let watchingLoop = false;
new PerformanceObserver((list) => {
  if (!watchingLoop) return;
  for (const entry of list.getEntries()) gcPauseMaxMs = Math.max(gcPauseMaxMs, entry.duration);
}).observe({ entryTypes: ['gc'] });

function loopStart() {
  loopDelay.reset();
  loopDelay.enable();
  loopCpuStart = process.cpuUsage();
  loopWallStart = performance.now();
  gcPauseMaxMs = 0;
  watchingLoop = true;
  return { started: true };
}

async function loopStop() {
  loopDelay.disable();
  await new Promise((resolve) => setImmediate(resolve)); // the observer is told of a pause after it
  watchingLoop = false;
  const cpu = process.cpuUsage(loopCpuStart);
  const wallMs = performance.now() - loopWallStart;
  return { maxMs: loopDelay.max / 1e6, p99Ms: loopDelay.percentile(99) / 1e6, cpuMs: (cpu.user + cpu.system) / 1000, wallMs, gcPauseMaxMs };
}

const routes = {
  [SERVICE_PATHS.stream]: streamChat,
  [SERVICE_PATHS.chat]: chat,
  [SERVICE_PATHS.embeddings]: embeddings,
  [SERVICE_PATHS.plain]: async () => ({ ok: true }),
  [SERVICE_PATHS.usage]: async () => usage(),
  [SERVICE_PATHS.records]: async () => drainStreamRecords(),
  [SERVICE_PATHS.flush]: flushTelemetry,
  [SERVICE_PATHS.gc]: async () => collectGarbage(),
  [SERVICE_PATHS.distinctModels]: distinctModels,
  [SERVICE_PATHS.loopStart]: async () => loopStart(),
  [SERVICE_PATHS.loopStop]: loopStop,
  [SERVICE_PATHS.modelCalls]: modelCalls,
};

/** The message and its chain of causes: fetch's own message ("fetch failed") says little. */
function describeError(err) {
  const messages = [];
  for (let cause = err; cause && messages.length < 4; cause = cause.cause) messages.push(String(cause.message ?? cause));
  return messages.join(' <- ');
}

function reply(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const [path, query] = req.url.split('?');
  const handler = routes[path];
  if (!handler) return reply(res, 404, { error: 'not found' });
  req.resume();
  req.on('end', () => {
    handler(new URLSearchParams(query)).then(
      (value) => reply(res, 200, value),
      (err) => reply(res, 500, { error: describeError(err) }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  // The runner waits for this line, then sends the first request (the start-up figure).
  process.stdout.write(`${JSON.stringify({ ready: true, port: server.address().port })}\n`);
});

process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
