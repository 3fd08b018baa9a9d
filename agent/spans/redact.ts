// Secrets never leave the process. URLs keep their shape (Azure needs api-version to be useful)
// but lose credentials and the values of key-bearing query parameters. One rule for every span the
// process exports: the model-call spans redact as they record, and RedactUrlsProcessor applies the
// same rule to the spans of the HTTP and undici instrumentations (plain calls carry keys too:
// Google's REST docs put the key in `?key=`).
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Query parameters whose values are credentials, matched case-insensitively. */
const SECRET_QUERY_KEYS =
  /^(api[-_]?key|key|access[-_]?token|refresh[-_]?token|id[-_]?token|token|auth|authorization|sig|signature|secret|client[-_]?secret|password|passwd|x-api-key|code|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential|awsaccesskeyid)$/i;

export const REDACTED = 'REDACTED';

function redactParams(params: URLSearchParams): boolean {
  let changed = false;
  for (const key of new Set(params.keys())) {
    if (SECRET_QUERY_KEYS.test(key)) {
      params.set(key, REDACTED);
      changed = true;
    }
  }
  return changed;
}

export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const hasUserInfo = url.includes('@');
  if (queryAt < 0 && !hasUserInfo) return url; // the common case costs one scan
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = REDACTED;
    if (parsed.password) parsed.password = REDACTED;
    redactParams(parsed.searchParams);
    return parsed.toString();
  } catch {
    return queryAt < 0 ? url : url.slice(0, queryAt);
  }
}

/** A query string, with or without its `?`, as url.query and the path part of http.target hold it. */
export function redactQuery(query: string): string {
  const bare = query.startsWith('?') ? query.slice(1) : query;
  if (bare === '') return query;
  const params = new URLSearchParams(bare);
  if (!redactParams(params)) return query;
  return (query.startsWith('?') ? '?' : '') + params.toString();
}

/** A path with its query (http.target). */
function redactTarget(target: string): string {
  const queryAt = target.indexOf('?');
  return queryAt < 0 ? target : target.slice(0, queryAt) + redactQuery(target.slice(queryAt));
}

/** The URL attributes of the stable and the legacy HTTP conventions, and how each is redacted. */
const URL_ATTRIBUTES: ReadonlyArray<[string, (value: string) => string]> = [
  ['url.full', redactUrl],
  ['http.url', redactUrl],
  ['url.query', redactQuery],
  ['http.target', redactTarget],
];

/** Redacts URL attributes as a span ends, before any processor or exporter sees it. */
export class RedactUrlsProcessor implements SpanProcessor {
  onStart(_span: Span, _context: Context): void {}

  onEnding(span: Span): void {
    const attributes = span.attributes;
    for (const [name, redact] of URL_ATTRIBUTES) {
      const value = attributes[name];
      if (typeof value !== 'string') continue;
      const redacted = redact(value);
      if (redacted !== value) span.setAttribute(name, redacted);
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
