// OpenAI-style streams report usage only when asked (stream_options.include_usage). The recorder
// may rewrite the request with this so that streamed calls carry real token counts.
import { isObject } from './json.js';

/**
 * A copy of `body` asking for usage in the stream, or undefined when the request does not stream
 * or already says what it wants (an explicit include_usage: false is the app's choice and kept).
 */
export function requestUsageInStream(body: Record<string, unknown>): Record<string, unknown> | undefined {
  if (body.stream !== true) return undefined;
  const existing = isObject(body.stream_options) ? body.stream_options : {};
  if (typeof existing.include_usage === 'boolean') return undefined;
  return { ...body, stream_options: { ...existing, include_usage: true } };
}
