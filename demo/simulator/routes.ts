// Which wire format answers a path. Adding an endpoint is one row here (a fixed path, or a pattern
// when the path names the model) and one file in formats/.
import { anthropicMessages } from './formats/anthropic-messages.js';
import { geminiBatchEmbedContents, geminiEmbedContent, geminiGenerate, vertexGeminiGenerate } from './formats/gemini.js';
import { bedrockConverse } from './formats/bedrock-converse.js';
import { bedrockInvoke } from './formats/bedrock-invoke.js';
import { ollamaChat, ollamaGenerate } from './formats/ollama.js';
import { openAIChat } from './formats/openai-chat.js';
import { openAICompletions } from './formats/openai-completions.js';
import { openAIEmbeddings } from './formats/openai-embeddings.js';
import { openAIResponses } from './formats/openai-responses.js';
import type { WireFormat } from './wire-format.js';
import { cohereEmbedV1, cohereEmbedV2 } from './formats/cohere-embed.js';
import { cohereRerankV1, cohereRerankV2 } from './formats/cohere-rerank.js';
import { cohereV1Chat, cohereV1Generate } from './formats/cohere-v1.js';
import { cohereV2Chat } from './formats/cohere-v2-chat.js';

const FORMATS_BY_PATH: Record<string, WireFormat> = {
  '/v1/chat/completions': openAIChat,
  '/v1/completions': openAICompletions,
  '/v1/responses': openAIResponses,
  '/v1/embeddings': openAIEmbeddings,
  '/v1/messages': anthropicMessages,
  '/api/chat': ollamaChat,
  '/api/generate': ollamaGenerate,
  '/v2/chat': cohereV2Chat,
  '/v1/chat': cohereV1Chat,
  '/v1/generate': cohereV1Generate,
  '/v1/embed': cohereEmbedV1,
  '/v2/embed': cohereEmbedV2,
  '/v1/rerank': cohereRerankV1,
  '/v2/rerank': cohereRerankV2,
};

export interface Route {
  format: WireFormat;
  /** The model the path names (Azure's deployment, Gemini's and Bedrock's model); stands in when the body names none. */
  pathModel: string | null;
  /** True when the path itself asks for a stream (Gemini's `:streamGenerateContent`), whatever the body says. */
  streams?: boolean;
}

/** A path that names the model: the pattern's `model` group, URL-decoded. */
interface PatternRoute {
  pattern: RegExp;
  format: WireFormat;
  streams?: boolean;
}

/** Gemini's model path: the Gemini API's `models/{model}`, or Vertex AI's `[projects/{p}/locations/{l}/]publishers/google/models/{model}`. */
const GEMINI_MODEL = '(?:^|/)(?:models|tunedModels)/(?<model>[^/:]+)';
const VERTEX_GEMINI_MODEL = '(?:^|/)(?:projects/[^/]+/locations/[^/]+/)?publishers/google/models/(?<model>[^/:]+)';
/** Claude on Vertex AI: Anthropic's Messages API, the model in the path. */
const VERTEX_ANTHROPIC_MODEL = '(?:^|/)(?:projects/[^/]+/locations/[^/]+/)?publishers/anthropic/models/(?<model>[^/:]+)';

/** Bedrock: `/model/{modelId}/{operation}`, the id URL-encoded (`%3A`, and `%2F` inside ARNs). */
const bedrockPath = (operation: string) => new RegExp(`^/model/(?<model>[^/]+)/${operation}$`);

const PATTERN_ROUTES: readonly PatternRoute[] = [
  // Vertex AI first: its paths end like the Gemini API's.
  { pattern: new RegExp(`${VERTEX_GEMINI_MODEL}:generateContent$`), format: vertexGeminiGenerate },
  { pattern: new RegExp(`${VERTEX_GEMINI_MODEL}:streamGenerateContent$`), format: vertexGeminiGenerate, streams: true },
  { pattern: new RegExp(`${VERTEX_GEMINI_MODEL}:embedContent$`), format: geminiEmbedContent },
  { pattern: new RegExp(`${VERTEX_GEMINI_MODEL}:batchEmbedContents$`), format: geminiBatchEmbedContents },
  { pattern: new RegExp(`${VERTEX_ANTHROPIC_MODEL}:rawPredict$`), format: anthropicMessages },
  { pattern: new RegExp(`${VERTEX_ANTHROPIC_MODEL}:streamRawPredict$`), format: anthropicMessages, streams: true },
  { pattern: new RegExp(`${GEMINI_MODEL}:generateContent$`), format: geminiGenerate },
  { pattern: new RegExp(`${GEMINI_MODEL}:streamGenerateContent$`), format: geminiGenerate, streams: true },
  { pattern: new RegExp(`${GEMINI_MODEL}:embedContent$`), format: geminiEmbedContent },
  { pattern: new RegExp(`${GEMINI_MODEL}:batchEmbedContents$`), format: geminiBatchEmbedContents },
  { pattern: bedrockPath('converse'), format: bedrockConverse },
  { pattern: bedrockPath('converse-stream'), format: bedrockConverse, streams: true },
  { pattern: bedrockPath('invoke'), format: bedrockInvoke },
  { pattern: bedrockPath('invoke-with-response-stream'), format: bedrockInvoke, streams: true },
];

// Azure OpenAI: /openai/deployments/{name}/chat/completions?api-version=... and the newer /openai/v1/...
const AZURE_DEPLOYMENT_PATH = /^\/openai\/deployments\/([^/]+)(\/.+)$/;
const AZURE_V1_PATH = /^\/openai(\/v1\/.+)$/;

export function findRoute(pathname: string): Route | undefined {
  const deployment = AZURE_DEPLOYMENT_PATH.exec(pathname);
  if (deployment) return openAIRoute(`/v1${deployment[2]}`, decodeURIComponent(deployment[1]!));
  const azureV1 = AZURE_V1_PATH.exec(pathname);
  if (azureV1) return openAIRoute(azureV1[1]!, null);
  const format = FORMATS_BY_PATH[pathname];
  if (format) return { format, pathModel: null };
  for (const { pattern, format, streams } of PATTERN_ROUTES) {
    const model = pattern.exec(pathname)?.groups?.model;
    if (model !== undefined) return { format, pathModel: decodeURIComponent(model), streams };
  }
  return undefined;
}

function openAIRoute(path: string, pathModel: string | null): Route | undefined {
  const format = FORMATS_BY_PATH[path];
  return format?.provider === 'openai' ? { format, pathModel } : undefined;
}
