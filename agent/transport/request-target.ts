// One normaliser for where a request goes, whichever layer sees it: the fetch tap (an undici
// origin and path), the node:http tap (a ClientRequest and its Host header), the fetch wrapper that
// asks streams for usage (a URL), and the HTTP instrumentation's skip hook (http.request options).
// The provider table recognises model calls from this one shape, so the skip hook and the taps
// cannot disagree about a request: a model call gets exactly one span.
import type { RequestTarget } from '../providers/types.js';

export type { RequestTarget };

export interface RequestParts {
  method: string | undefined;
  /** `http:` or `https:`; http when absent. */
  protocol: string | undefined;
  /** A host name, or an authority with its port (a Host header, http.request's `host` option). */
  host: string | undefined;
  /** An explicit port, which wins over one inside `host`. */
  port?: number | string | null;
  /** The path, with its query string if any. */
  path: string | undefined;
}

/** The largest request body a tap reads for the model and parameters; larger ones are not parsed. */
export const MAX_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

export function requestTarget(parts: RequestParts): RequestTarget {
  const protocol = parts.protocol === 'https:' ? 'https:' : 'http:';
  const defaultPort = protocol === 'https:' ? 443 : 80;
  const [hostname, portInHost] = splitAuthority(parts.host ?? 'localhost');
  const port = Number(parts.port) || portInHost || defaultPort;
  const path = parts.path || '/';
  const queryAt = path.indexOf('?');
  const urlHost = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    method: parts.method ?? 'GET',
    host: hostname,
    port,
    path: queryAt < 0 ? path : path.slice(0, queryAt),
    url: `${protocol}//${urlHost}${port === defaultPort ? '' : `:${port}`}${path}`,
  };
}

/** `host`, `host:port`, `[v6]` or `[v6]:port` → the lower-case host name and the port (0 if none). */
function splitAuthority(authority: string): [string, number] {
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    const port = authority.slice(close + 1).match(/^:(\d+)$/)?.[1];
    return [authority.slice(1, close).toLowerCase(), Number(port ?? 0)];
  }
  const colon = authority.lastIndexOf(':');
  // More than one colon without brackets is a bare IPv6 address, not host:port.
  if (colon < 0 || authority.indexOf(':') !== colon) return [authority.toLowerCase(), 0];
  return [authority.slice(0, colon).toLowerCase(), Number(authority.slice(colon + 1)) || 0];
}
