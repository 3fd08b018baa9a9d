// Opt-in (LLM_OTEL_STREAM_INCLUDE_USAGE=true): ask OpenAI-compatible servers for usage at the end of
// a stream, so streamed calls carry real token counts instead of an estimate. It is off by default
// because it changes what the application receives: one extra final chunk with no choices.
import { guard } from '../log.js';
import { recognise } from '../providers/table.js';
import { requestTarget } from './request-target.js';
import type { RecognisedCall } from '../providers/types.js';

/** The request body asking for stream usage, or undefined to send the body as it is. */
export function bodyWithStreamUsage(call: RecognisedCall, body: string): string | undefined {
  const rewrite = call.route.parser.requestUsageInStream;
  if (!rewrite) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined; // not (yet) the whole body: leave it alone
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const rewritten = rewrite(json as Record<string, unknown>);
  return rewritten ? JSON.stringify(rewritten) : undefined;
}

/**
 * fetch hands undici an async iterable body, too late to change, so the rewrite happens where the
 * application calls fetch: a string body to a recognised streaming endpoint. SDKs (openai v5+)
 * take `globalThis.fetch` when a client is constructed, which the preload precedes.
 */
export function installFetchStreamUsage(): () => void {
  const original = globalThis.fetch;
  if (typeof original !== 'function') return () => {};
  const patched: typeof fetch = function fetchWithStreamUsage(this: unknown, input, init) {
    const body = init?.body;
    if (typeof body === 'string' && (input instanceof URL || typeof input === 'string')) {
      const rewritten = guard('stream usage (fetch)', () => {
        const url = input instanceof URL ? input : new URL(input);
        const call = recognise(
          requestTarget({ method: (init?.method ?? 'GET').toUpperCase(), protocol: url.protocol, host: url.hostname, port: url.port, path: url.pathname }),
        );
        return call ? bodyWithStreamUsage(call, body) : undefined;
      });
      if (rewritten !== undefined) return original.call(this, input, { ...init, body: rewritten });
    }
    return original.call(this, input, init);
  };
  globalThis.fetch = patched;
  return () => {
    if (globalThis.fetch === patched) globalThis.fetch = original;
  };
}
