// The provider table: which outgoing requests are model calls, and which parser reads them.
// Rows are tried in order; the first whose method, host, port and path match wins, so specific
// rows (Azure, Google, Anthropic, Ollama's native API) come before the any-host OpenAI-compatible ones.
// Adding a provider is adding a parser file and a row here.
import type { GenAiOperation } from '../semconv.js';
import type { OutgoingRequest, ProviderParser, ProviderRoute, RecognisedCall, StreamFormat } from './types.js';
import { anthropicMessagesParser } from './anthropic-messages.js';
import { geminiParser } from './gemini.js';
import { geminiEmbeddingsParser } from './gemini-embeddings.js';
import { bedrockConverseParser, bedrockConverseStreamParser } from './bedrock-converse.js';
import { GENERIC_FAMILY, INVOKE_FAMILIES } from './bedrock-families.js';
import { invokeParser, type InvokeFamily } from './bedrock-invoke.js';
import { ollamaParser } from './ollama.js';
import { openAiChatParser } from './openai-chat.js';
import { openAiCompletionsParser } from './openai-completions.js';
import { openAiEmbeddingsParser } from './openai-embeddings.js';
import { openAiResponsesParser } from './openai-responses.js';
import { OLLAMA, OLLAMA_DEFAULT_PORT, openAiCompatibleProviderName } from './provider-names.js';
import { cohereEmbedParser, cohereRerankParser, cohereV1Parser, cohereV2ChatParser } from './cohere.js';
import { declarationCount, declaredServerFor, type ModelServerApi } from './model-servers.js';
import { OLLAMA_EXCHANGE_PROOF } from './ollama.js';
import { COHERE } from './provider-names.js';

/** The OpenAI API's operations, by the path they end with. */
const OPENAI_OPERATIONS: readonly { suffix: string; operation: GenAiOperation; parser: ProviderParser }[] = [
  { suffix: 'chat/completions', operation: 'chat', parser: openAiChatParser },
  { suffix: 'completions', operation: 'text_completion', parser: openAiCompletionsParser },
  { suffix: 'responses', operation: 'chat', parser: openAiResponsesParser },
  { suffix: 'embeddings', operation: 'embeddings', parser: openAiEmbeddingsParser },
];

const AZURE_HOST = /\.(?:openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/;

/** Azure OpenAI: `/openai/deployments/{deployment}/<op>` (the deployment names the model) or `/openai/v1/<op>`. */
const azureRoutes: ProviderRoute[] = OPENAI_OPERATIONS.map(({ suffix, operation, parser }) => ({
  providerName: 'azure.ai.openai',
  operation,
  host: AZURE_HOST,
  path: new RegExp(`^/openai/(?:deployments/(?<model>[^/]+)/|v1/)?${suffix}$`),
  streamFormat: 'sse',
  parser,
}));

/**
 * OpenAI-compatible servers on any host. `chat/completions` is distinctive enough to accept after
 * any prefix (`/openai/v1/` on Groq, `/api/v1/` on OpenRouter, `/v1beta/openai/` on Gemini, none
 * on DeepSeek). The generic words (`completions`, `responses`, `embeddings`) must follow `/v1` or
 * `/openai`, or be the whole path, so an app's own `/api/survey/responses` is not taken for one.
 */
const compatibleRoutes: ProviderRoute[] = OPENAI_OPERATIONS.map(({ suffix, operation, parser }) => ({
  providerName: openAiCompatibleProviderName,
  operation,
  path: suffix === 'chat/completions' ? /\/chat\/completions$/ : new RegExp(`(?:^|/v1|/openai)/${suffix}$`),
  streamFormat: 'sse',
  parser,
}));

/**
 * Cohere's own API. Its paths (`/v1/chat`, `/v2/chat`, `/v1/generate`, `/v2/embed`) are generic
 * words, so they count as Cohere only on Cohere's hosts (or a server LLM_OTEL_MODEL_SERVERS declares
 * as one). v1 streams NDJSON (sent as application/stream+json), v2 streams SSE.
 */
const COHERE_HOST = /^api\.cohere\.(?:com|ai)$/;
const cohereRoutes: ProviderRoute[] = [
  { providerName: COHERE, operation: 'chat', host: COHERE_HOST, path: /^\/v2\/chat$/, streamFormat: 'sse', parser: cohereV2ChatParser },
  { providerName: COHERE, operation: 'chat', host: COHERE_HOST, path: /^\/v1\/chat$/, streamFormat: 'ndjson', parser: cohereV1Parser },
  { providerName: COHERE, operation: 'text_completion', host: COHERE_HOST, path: /^\/v1\/generate$/, streamFormat: 'ndjson', parser: cohereV1Parser },
  { providerName: COHERE, operation: 'embeddings', host: COHERE_HOST, path: /^\/v[12]\/embed$/, streamFormat: 'sse', parser: cohereEmbedParser },
  { providerName: COHERE, operation: 'rerank', host: COHERE_HOST, path: /^\/v[12]\/rerank$/, streamFormat: 'sse', parser: cohereRerankParser },
];

/**
 * Ollama's native API. `/api/chat` and `/api/generate` are common words in ordinary services too,
 * so they count as Ollama only on its default port or on a host whose name says ollama.
 */
const ollamaPath = (operation: GenAiOperation, path: RegExp): ProviderRoute[] => [
  { providerName: OLLAMA, operation, port: OLLAMA_DEFAULT_PORT, path, streamFormat: 'ndjson', parser: ollamaParser },
  { providerName: OLLAMA, operation, host: /ollama/, path, streamFormat: 'ndjson', parser: ollamaParser },
];

/**
 * Google names the model and the method in the path (`models/{model}:generateContent`), so a path
 * ending so is Google's API on any host (gateways and proxies serve the same paths). Vertex AI's
 * paths name the publisher, under the project and location or alone (express mode); the Gemini
 * API's do not. generateContent's operation is generate_content: the conventions list it for Gemini's
 * Generate Content, and a well-known value that applies must be used (chat is OpenAI's Chat API).
 */
const GOOGLE_METHODS: readonly { method: string; operation: GenAiOperation; parser: ProviderParser; streams?: boolean; streamFormat: StreamFormat }[] = [
  { method: 'generateContent', operation: 'generate_content', parser: geminiParser, streamFormat: 'sse' },
  // Without `alt=sse` the stream is one JSON array; with it, SSE (told apart by the content type).
  { method: 'streamGenerateContent', operation: 'generate_content', parser: geminiParser, streams: true, streamFormat: 'json-array' },
  { method: 'embedContent', operation: 'embeddings', parser: geminiEmbeddingsParser, streamFormat: 'sse' },
  { method: 'batchEmbedContents', operation: 'embeddings', parser: geminiEmbeddingsParser, streamFormat: 'sse' },
];

const VERTEX_HOST = /(?:^|-)aiplatform\.(?:[a-z0-9-]+\.)*googleapis\.com$/;
const VERTEX_PATH = /\/(?:projects|publishers)\//;

function googleProviderName(request: OutgoingRequest): string {
  return VERTEX_PATH.test(request.path) || VERTEX_HOST.test(request.host) ? 'gcp.vertex_ai' : 'gcp.gemini';
}

const googleRoutes: ProviderRoute[] = GOOGLE_METHODS.map(({ method, ...route }) => ({
  providerName: googleProviderName,
  path: new RegExp(`(?:^|/)(?:(?:projects/[^/]+/locations/[^/]+/)?publishers/google/)?(?:models|tunedModels)/(?<model>[^/:]+):${method}$`),
  ...route,
}));

/**
 * Claude on Vertex AI: Anthropic's Messages API under `publishers/anthropic/models/{model}:rawPredict`
 * (`:streamRawPredict` streams), the model in the path and not in the body. `count-tokens` is no
 * model but Vertex's token counter.
 */
const vertexAnthropicRoutes: ProviderRoute[] = [
  { method: 'rawPredict', streams: false },
  { method: 'streamRawPredict', streams: true },
].map(({ method, streams }) => ({
  providerName: 'gcp.vertex_ai',
  operation: 'chat',
  path: new RegExp(`(?:^|/)publishers/anthropic/models/(?!count-tokens:)(?<model>[^/:]+):${method}$`),
  ...(streams ? { streams } : {}),
  streamFormat: 'sse',
  parser: anthropicMessagesParser,
}));

/**
 * AWS Bedrock: the model id is the path's only segment between `/model/` and the operation,
 * URL-encoded (`anthropic.claude-3-haiku-20240307-v1%3A0`, `us.anthropic...`, ARNs with `%3A` and
 * `%2F`). Any host: the endpoint is regional (`bedrock-runtime.{region}.amazonaws.com`), private
 * (VPC endpoints) or a gateway, and the path is Bedrock's own. InvokeModel's body is the model
 * family's, so there is one row per family, by the model id, before the generic one.
 */
const BEDROCK = 'aws.bedrock';
const BEDROCK_MODEL_ID = '[A-Za-z0-9._~%:-]';

function bedrockPath(operation: string, family?: InvokeFamily): RegExp {
  // A family's ids may follow a cross-region prefix (`us.`) or an ARN's path (`%2F`).
  const model = family === undefined ? `${BEDROCK_MODEL_ID}+` : `(?:${BEDROCK_MODEL_ID}*?(?:\\.|%2[Ff]))?${family.modelId}${BEDROCK_MODEL_ID}*`;
  return new RegExp(`^/model/(?<model>${model})/${operation}$`);
}

const invokeRoutes = (family: InvokeFamily, match: InvokeFamily | undefined): ProviderRoute[] => [
  { providerName: BEDROCK, operation: family.operation, path: bedrockPath('invoke', match), streamFormat: 'aws-eventstream', parser: invokeParser(family, false) },
  ...(family.streams
    ? [{ providerName: BEDROCK, operation: family.operation, path: bedrockPath('invoke-with-response-stream', match), streams: true, streamFormat: 'aws-eventstream' as const, parser: invokeParser(family, true) }]
    : []),
];

const bedrockRoutes: ProviderRoute[] = [
  { providerName: BEDROCK, operation: 'chat', path: bedrockPath('converse'), streamFormat: 'aws-eventstream', parser: bedrockConverseParser },
  { providerName: BEDROCK, operation: 'chat', path: bedrockPath('converse-stream'), streams: true, streamFormat: 'aws-eventstream', parser: bedrockConverseStreamParser },
  ...INVOKE_FAMILIES.flatMap((family) => invokeRoutes(family, family)),
  ...invokeRoutes(GENERIC_FAMILY, undefined),
];

export const PROVIDER_ROUTES: readonly ProviderRoute[] = [
  ...azureRoutes,
  ...googleRoutes,
  ...vertexAnthropicRoutes,
  // Anthropic on any host: gateways and proxies serve the same API under their own names.
  {
    providerName: 'anthropic',
    operation: 'chat',
    path: /(?:^|\/)v1\/messages$/,
    streamFormat: 'sse',
    parser: anthropicMessagesParser,
  },
  ...ollamaPath('chat', /^\/api\/chat$/),
  ...ollamaPath('text_completion', /^\/api\/generate$/),
  ...cohereRoutes,
  ...compatibleRoutes,
  // Last: no other row's path ends in Bedrock's words, so the others need not try these first.
  ...bedrockRoutes,
];

/** Ollama's native API on any host: what a declared Ollama server and the candidates below answer. */
const ollamaNative = (operation: GenAiOperation, path: RegExp): ProviderRoute => ({ providerName: OLLAMA, operation, path, streamFormat: 'ndjson', parser: ollamaParser });
const anyHost = ({ host: _host, port: _port, ...route }: ProviderRoute): ProviderRoute => route;

/**
 * What a server declared in LLM_OTEL_MODEL_SERVERS answers, by the API it speaks: these rows are
 * matched against the path after the declared prefix, on the declared origin only, whatever its
 * host or port. An OpenAI-compatible server is named as the compatible rows name it; a declared
 * Ollama serves its native API and the OpenAI paths, both named `ollama`.
 */
export const SERVER_API_ROUTES: Readonly<Record<ModelServerApi, readonly ProviderRoute[]>> = {
  openai: compatibleRoutes,
  ollama: [
    ollamaNative('chat', /^\/api\/chat$/),
    ollamaNative('text_completion', /^\/api\/generate$/),
    ...compatibleRoutes.map((route) => ({ ...route, providerName: OLLAMA })),
  ],
  cohere: cohereRoutes.map(anyHost),
  anthropic: PROVIDER_ROUTES.filter((route) => route.providerName === 'anthropic'),
};

/**
 * Candidates: Ollama's native paths on any other host (behind a reverse proxy, on a GPU box named
 * otherwise, after a path prefix). Many services have an /api/chat of their own, so a request here
 * is only a candidate: the transport keeps its plain HTTP span, and it becomes a model call only
 * when its request body and then its response prove Ollama's shape (transport/candidate-call.ts).
 */
export const CANDIDATE_ROUTES: readonly ProviderRoute[] = [
  { ...ollamaNative('chat', /\/api\/chat$/), proof: OLLAMA_EXCHANGE_PROOF },
  { ...ollamaNative('text_completion', /\/api\/generate$/), proof: OLLAMA_EXCHANGE_PROOF },
];

/**
 * The final word of every route's path above: its last segment, or what follows the last `:` in it
 * (Google's `models/{model}:generateContent`). Every outgoing request of the service passes through
 * recognise(), so most are turned away by this lookup before any regular expression runs; a row
 * whose word is missing here is never reached, which test/providers/table.test.ts catches.
 */
export const FINAL_WORDS: ReadonlySet<string> = new Set([
  'completions',
  'responses',
  'embeddings',
  'messages',
  'chat',
  'generate',
  'embed',
  'rerank',
  ...GOOGLE_METHODS.map(({ method }) => method),
  'rawPredict',
  'streamRawPredict',
  'converse',
  'converse-stream',
  'invoke',
  'invoke-with-response-stream',
]);

/** The last path segment, or the part of it after its last `:`. */
export function finalWordOf(path: string): string {
  const segment = path.slice(path.lastIndexOf('/') + 1);
  return segment.slice(segment.lastIndexOf(':') + 1);
}

const DEFAULT_METHOD = 'POST';

function matches(route: ProviderRoute, request: OutgoingRequest): RegExpExecArray | null {
  if (route.port !== undefined && route.port !== request.port) return null;
  if (route.host !== undefined && !route.host.test(request.host)) return null;
  return route.path.exec(request.path);
}

function pathModelOf(match: RegExpExecArray): string | undefined {
  const model = match.groups?.model;
  if (model === undefined) return undefined;
  try {
    return decodeURIComponent(model);
  } catch {
    return model;
  }
}

/**
 * What recognise() answered for the requests that passed the pre-filter, by host, port and path: a
 * service calls the same few endpoints over and over, and the table has dozens of rows to try.
 * Bounded (emptied when full: a service whose paths never repeat gains nothing, loses nothing), and
 * emptied when model servers are declared.
 */
const RECOGNISED_CACHE_SIZE = 256;
const recognised = new Map<string, RecognisedCall | null>();
let recognisedUnder = -1;

/** The route for a model call, or undefined for every other request. */
export function recognise(request: OutgoingRequest): RecognisedCall | undefined {
  const method = request.method.toUpperCase();
  if (method !== DEFAULT_METHOD) return undefined;
  if (!FINAL_WORDS.has(finalWordOf(request.path))) return undefined;
  if (recognisedUnder !== declarationCount()) {
    recognised.clear();
    recognisedUnder = declarationCount();
  }
  const key = `${request.host} ${request.port} ${request.path}`;
  const known = recognised.get(key);
  if (known !== undefined) return known ?? undefined;
  const call = recogniseUncached(method, request);
  if (recognised.size >= RECOGNISED_CACHE_SIZE) recognised.clear();
  recognised.set(key, call ?? null);
  return call;
}

function recogniseUncached(method: string, request: OutgoingRequest): RecognisedCall | undefined {
  const declared = declaredServerFor(request);
  if (declared !== undefined) {
    const call = firstMatch(SERVER_API_ROUTES[declared.server.api], method, { ...request, path: declared.path }, request);
    if (call !== undefined) return call;
  }
  return firstMatch(PROVIDER_ROUTES, method, request, request);
}

/** A request that may be a model call, to be proven by its own exchange; undefined for a model call (recognise) and for every other request. */
export function recogniseCandidate(request: OutgoingRequest): RecognisedCall | undefined {
  const method = request.method.toUpperCase();
  if (method !== DEFAULT_METHOD || !FINAL_WORDS.has(finalWordOf(request.path))) return undefined;
  return firstMatch(CANDIDATE_ROUTES, method, request, request);
}

/** The first of `routes` matching `matched` (a declared server's request has its prefix cut); names come from `request`. */
function firstMatch(routes: readonly ProviderRoute[], method: string, matched: OutgoingRequest, request: OutgoingRequest): RecognisedCall | undefined {
  for (const route of routes) {
    if (method !== (route.method ?? DEFAULT_METHOD)) continue;
    const match = matches(route, matched);
    if (match === null) continue;
    const providerName = typeof route.providerName === 'string' ? route.providerName : route.providerName(request);
    const pathModel = pathModelOf(match);
    return pathModel === undefined ? { route, providerName } : { route, providerName, pathModel };
  }
  return undefined;
}
