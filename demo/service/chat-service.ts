// The demo's sample chat service: a small node:http server with no knowledge of the agent. Each
// route calls a model and relays its streamed text to the caller as it arrives.
//   POST /chat       {"model", "message"}  → an OpenAI-compatible chat completion
//   POST /summarize  {"model", "text"}     → an Anthropic message
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ModelHttpError, streamAnthropicMessage, streamOpenAiChat, type ChatRequest, type ExtraHeaders } from './model-client.js';

/** What the entry prints, followed by the URL, once the service accepts requests. */
export const LISTENING_PREFIX = 'demo-chat listening on ';

export interface ChatServiceOptions {
  /** Where the models are served, e.g. http://127.0.0.1:8080 (OpenAI paths under /v1). */
  modelBaseUrl: string;
}

type ModelStream = (baseUrl: string, request: ChatRequest, headers: ExtraHeaders, onText: (text: string) => void) => Promise<void>;

interface Route {
  stream: ModelStream;
  /** The request body field that holds the user's text, and how it becomes a prompt. */
  field: string;
  prompt: (text: string) => string;
  maxTokens: number;
}

const ROUTES: Readonly<Record<string, Route>> = {
  '/chat': { stream: streamOpenAiChat, field: 'message', prompt: (text) => text, maxTokens: 256 },
  '/summarize': { stream: streamAnthropicMessage, field: 'text', prompt: (text) => `Summarize in two sentences: ${text}`, maxTokens: 128 },
};

// The demo plays the model's latency and failures through the simulator's x-sim-* headers; the
// service passes them on. A real service would not, and needs nothing of the sort to be traced.
const PASSED_ON_PREFIX = 'x-sim-';

function passedOnHeaders(headers: IncomingHttpHeaders): ExtraHeaders {
  const picked: ExtraHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(PASSED_ON_PREFIX) && typeof value === 'string') picked[name] = value;
  }
  return picked;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  if (typeof parsed !== 'object' || parsed === null) throw new SyntaxError('expected a JSON object');
  return parsed as Record<string, unknown>;
}

function replyJson(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function handle(route: Route, options: ChatServiceOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = await readJson(request);
  } catch {
    return replyJson(response, 400, { error: 'the body must be a JSON object' });
  }
  const { model } = body;
  const text = body[route.field];
  if (typeof model !== 'string' || typeof text !== 'string') {
    return replyJson(response, 400, { error: `expected {"model": string, "${route.field}": string}` });
  }
  try {
    await route.stream(options.modelBaseUrl, { model, prompt: route.prompt(text), maxTokens: route.maxTokens }, passedOnHeaders(request.headers), (piece) => {
      if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.write(piece);
    });
    if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    response.end();
  } catch (error) {
    // Once text has gone out the status is sent; all that is left is to cut the response short.
    if (response.headersSent) return void response.destroy();
    const status = error instanceof ModelHttpError ? error.status : undefined;
    replyJson(response, 502, { error: status ? `the model answered HTTP ${status}` : 'the model call failed', modelStatus: status });
  }
}

export function createChatService(options: ChatServiceOptions): Server {
  return createServer((request, response) => {
    const route = request.method === 'POST' ? ROUTES[(request.url ?? '/').split('?')[0]!] : undefined;
    if (!route) return replyJson(response, 404, { error: 'try POST /chat or POST /summarize' });
    handle(route, options, request, response).catch(() => {
      if (!response.headersSent) replyJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
}
