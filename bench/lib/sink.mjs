// A local OTLP/HTTP receiver that answers 200 to every export and discards it, so every row pays the
// same exporter cost. While capture is on it keeps the raw trace bodies (OTLP JSON) and, when asked,
// decodes them into span summaries for the time-to-first-token accuracy figures.
import { createServer } from 'node:http';

export const SINK_PATHS = { capture: '/_sink/capture', spans: '/_sink/spans' };

/** Span attributes the accuracy figures need: the response id (to match a call) and each tool's TTFT. */
export const RESPONSE_ID_KEYS = ['gen_ai.response.id'];

/** `{ intValue: "3" }`, `{ doubleValue: 0.2 }`, `{ stringValue: "x" }` → the value. */
function anyValue(value) {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('intValue' in value) return Number(value.intValue);
  if ('boolValue' in value) return value.boolValue;
  return undefined;
}

/** Nanoseconds (a string, number or {low, high}) → epoch milliseconds keeping microseconds. */
function nanosToMillis(nanos) {
  if (nanos && typeof nanos === 'object') return (nanos.high * 2 ** 32 + (nanos.low >>> 0)) / 1e6;
  const big = BigInt(nanos);
  return Number(big / 1000n) / 1000;
}

/**
 * Decodes OTLP JSON trace bodies: `spanCount` (all spans), and `spans`, the summaries of those that
 * carry a response id (scope, name, start time, and every attribute whose key names a time to first
 * token or chunk).
 */
export function summariseTraceBodies(bodies) {
  const spans = [];
  let spanCount = 0;
  for (const body of bodies) {
    let request;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      continue; // not JSON (a protobuf exporter): nothing to decode
    }
    for (const resourceSpans of request.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          spanCount++;
          const attributes = {};
          for (const { key, value } of span.attributes ?? []) attributes[key] = anyValue(value);
          const responseId = RESPONSE_ID_KEYS.map((key) => attributes[key]).find((id) => id !== undefined);
          if (responseId === undefined) continue;
          const firstTokenTimes = Object.fromEntries(Object.entries(attributes).filter(([key]) => /time_to_first/.test(key)));
          spans.push({
            scope: scopeSpans.scope?.name ?? '',
            name: span.name,
            startMs: nanosToMillis(span.startTimeUnixNano),
            responseId,
            firstTokenTimes,
          });
        }
      }
    }
  }
  return { spanCount, spans };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts the sink on 127.0.0.1 and a free port. */
export function startSink() {
  let capturing = false;
  let captured = [];
  const server = createServer(async (req, res) => {
    const path = req.url.split('?')[0];
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    if (path === SINK_PATHS.capture) {
      capturing = new URL(req.url, 'http://sink').searchParams.get('on') === '1';
      captured = [];
      return res.writeHead(204).end();
    }
    if (path === SINK_PATHS.spans) {
      const json = JSON.stringify(summariseTraceBodies(captured));
      captured = [];
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(json);
    }
    if (capturing && path.endsWith('/v1/traces')) captured.push(body);
    const isJson = (req.headers['content-type'] ?? '').includes('json');
    res.writeHead(200, { 'content-type': isJson ? 'application/json' : 'application/x-protobuf' });
    res.end(isJson ? '{}' : undefined);
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() }));
  });
}
