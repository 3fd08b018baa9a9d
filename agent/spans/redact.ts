// Secrets never leave the process. URLs keep their shape (Azure needs api-version to be useful)
// but lose credentials and the values of key-bearing query parameters.

const SECRET_QUERY_KEYS = /^(api[-_]?key|key|access[-_]?token|token|auth|authorization|sig|signature|secret|client[-_]?secret|password|x-api-key|code)$/i;

export const REDACTED = 'REDACTED';

export function redactUrl(url: string): string {
  const queryAt = url.indexOf('?');
  const hasUserInfo = url.includes('@');
  if (queryAt < 0 && !hasUserInfo) return url; // the common case costs one scan
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = REDACTED;
    if (parsed.password) parsed.password = REDACTED;
    for (const key of [...parsed.searchParams.keys()]) {
      if (SECRET_QUERY_KEYS.test(key)) parsed.searchParams.set(key, REDACTED);
    }
    return parsed.toString();
  } catch {
    return queryAt < 0 ? url : url.slice(0, queryAt);
  }
}
