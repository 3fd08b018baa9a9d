// Model servers the configuration declares (LLM_OTEL_MODEL_SERVERS): an origin, optionally with a
// path prefix, and the API it speaks, e.g. `http://gpu-box:8080=ollama,https://llm.internal/proxy=openai`.
// A declared server's requests are recognised by that API's paths after the prefix, whatever its
// host name or port (Ollama behind a reverse proxy, an OpenAI-compatible server on a base path,
// a Cohere proxy), before the table's own rows; its other paths fall through to those rows.
//
// Light on purpose: the configuration table (config/variables.ts) parses the variable with it.
import type { OutgoingRequest } from './types.js';

export const MODEL_SERVER_APIS = ['openai', 'ollama', 'cohere', 'anthropic'] as const;
export type ModelServerApi = (typeof MODEL_SERVER_APIS)[number];

export interface ModelServer {
  /** The entry as written, for messages and `doctor`. */
  entry: string;
  /** Lower-case host name (an IPv6 address without brackets), as RequestTarget has it. */
  host: string;
  port: number;
  /** '' or a path without its trailing slash (`/proxy`). */
  pathPrefix: string;
  api: ModelServerApi;
}

/** What an entry must look like, for the warning on a bad one. */
export const MODEL_SERVER_FORMAT = `<http(s)://host[:port][/path]>=<${MODEL_SERVER_APIS.join('|')}>`;

/** One `origin[/path]=api` entry, or undefined when it is not one. */
export function parseModelServer(entry: string): ModelServer | undefined {
  const at = entry.lastIndexOf('=');
  if (at <= 0) return undefined;
  const api = entry.slice(at + 1).trim().toLowerCase() as ModelServerApi;
  if (!MODEL_SERVER_APIS.includes(api)) return undefined;
  let url: URL;
  try {
    url = new URL(entry.slice(0, at).trim());
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search || url.hash) return undefined;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') return undefined;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { entry: entry.trim(), host, port, pathPrefix: url.pathname.replace(/\/+$/, ''), api };
}

/** A comma-separated list: the entries that parse, and the ones that do not (to be reported, the rest kept). */
export function parseModelServers(value: string): { servers: ModelServer[]; bad: string[] } {
  const servers: ModelServer[] = [];
  const bad: string[] = [];
  for (const entry of value.split(',').map((item) => item.trim()).filter(Boolean)) {
    const server = parseModelServer(entry);
    if (server) servers.push(server);
    else bad.push(entry);
  }
  return { servers, bad };
}

/** Set once at start-up (sdk.ts) from the configuration; empty until then and in tests that set none. */
let declared: readonly ModelServer[] = [];
/** Counts declarations, so what was recognised under earlier ones is not reused (table.ts). */
let declarations = 0;

export const declarationCount = (): number => declarations;

export function declareModelServers(servers: readonly ModelServer[]): void {
  declarations++;
  // The longest prefix first, so `http://h/a/b=...` wins over `http://h=...` for its own paths.
  declared = [...servers].sort((a, b) => b.pathPrefix.length - a.pathPrefix.length);
}

/** The declared server a request goes to, and its path after the server's prefix; undefined for any other request. */
export function declaredServerFor(request: OutgoingRequest): { server: ModelServer; path: string } | undefined {
  for (const server of declared) {
    if (server.port !== request.port || server.host !== request.host) continue;
    const prefix = server.pathPrefix;
    if (prefix === '') return { server, path: request.path };
    if (request.path === prefix || request.path.startsWith(`${prefix}/`)) return { server, path: request.path.slice(prefix.length) || '/' };
  }
  return undefined;
}
