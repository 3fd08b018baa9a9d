// The provider table: which outgoing requests are model calls, and which parser reads them.
// Rows are tried in order; the first whose method, host, port and path match wins, so specific
// rows (Azure, Anthropic, Ollama's native API) come before the any-host OpenAI-compatible ones.
// Adding a provider is adding a parser file and a row here.
import type { GenAiOperation } from '../semconv.js';
import type { OutgoingRequest, ProviderParser, ProviderRoute, RecognisedCall } from './types.js';
import { anthropicMessagesParser } from './anthropic-messages.js';
import { bedrockConverseParser, bedrockConverseStreamParser } from './bedrock-converse.js';
import { GENERIC_FAMILY, INVOKE_FAMILIES } from './bedrock-families.js';
import { invokeParser, type InvokeFamily } from './bedrock-invoke.js';
import { ollamaParser } from './ollama.js';
import { openAiChatParser } from './openai-chat.js';
import { openAiCompletionsParser } from './openai-completions.js';
import { openAiEmbeddingsParser } from './openai-embeddings.js';
import { openAiResponsesParser } from './openai-responses.js';
import { OLLAMA, OLLAMA_DEFAULT_PORT, openAiCompatibleProviderName } from './provider-names.js';

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
 * Ollama's native API. `/api/chat` and `/api/generate` are common words in ordinary services too,
 * so they count as Ollama only on its default port or on a host whose name says ollama.
 */
const ollamaPath = (operation: GenAiOperation, path: RegExp): ProviderRoute[] => [
  { providerName: OLLAMA, operation, port: OLLAMA_DEFAULT_PORT, path, streamFormat: 'ndjson', parser: ollamaParser },
  { providerName: OLLAMA, operation, host: /ollama/, path, streamFormat: 'ndjson', parser: ollamaParser },
];

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
  ...compatibleRoutes,
  // Last: no other row's path ends in Bedrock's words, so the others need not try these first.
  ...bedrockRoutes,
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

/** The route for a model call, or undefined for every other request. */
export function recognise(request: OutgoingRequest): RecognisedCall | undefined {
  const method = request.method.toUpperCase();
  if (method !== DEFAULT_METHOD) return undefined;
  if (!FINAL_WORDS.has(finalWordOf(request.path))) return undefined;
  for (const route of PROVIDER_ROUTES) {
    if (method !== (route.method ?? DEFAULT_METHOD)) continue;
    const match = matches(route, request);
    if (match === null) continue;
    const providerName = typeof route.providerName === 'string' ? route.providerName : route.providerName(request);
    const pathModel = pathModelOf(match);
    return pathModel === undefined ? { route, providerName } : { route, providerName, pathModel };
  }
  return undefined;
}
