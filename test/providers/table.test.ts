// recognise(): which outgoing requests are model calls, with which provider name and parser.
import { afterEach, describe, expect, it } from 'vitest';
import { declareModelServers, parseModelServers } from '../../agent/providers/model-servers.js';
import { PROVIDER_ROUTES, recognise } from '../../agent/providers/table.js';
import { anthropicMessagesParser } from '../../agent/providers/anthropic-messages.js';
import { geminiParser } from '../../agent/providers/gemini.js';
import { geminiEmbeddingsParser } from '../../agent/providers/gemini-embeddings.js';
import { ollamaParser } from '../../agent/providers/ollama.js';
import { cohereEmbedParser, cohereRerankParser, cohereV1Parser, cohereV2ChatParser } from '../../agent/providers/cohere.js';
import { openAiChatParser } from '../../agent/providers/openai-chat.js';
import { openAiCompletionsParser } from '../../agent/providers/openai-completions.js';
import { openAiEmbeddingsParser } from '../../agent/providers/openai-embeddings.js';
import { openAiResponsesParser } from '../../agent/providers/openai-responses.js';
import type { OutgoingRequest, ProviderParser, StreamFormat } from '../../agent/providers/types.js';

function requestOf(url: string, method = 'POST'): OutgoingRequest {
  const parsed = new URL(url);
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  return { method, host: parsed.hostname, port, path: parsed.pathname };
}

type Row = [url: string, provider: string, operation: string, parser: ProviderParser, format: StreamFormat, pathModel?: string];

const MODEL_CALLS: Row[] = [
  ['https://api.openai.com/v1/chat/completions', 'openai', 'chat', openAiChatParser, 'sse'],
  ['https://api.openai.com:443/v1/completions', 'openai', 'text_completion', openAiCompletionsParser, 'sse'],
  ['https://api.openai.com/v1/responses', 'openai', 'chat', openAiResponsesParser, 'sse'],
  ['https://api.openai.com/v1/embeddings', 'openai', 'embeddings', openAiEmbeddingsParser, 'sse'],
  ['https://myres.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21', 'azure.ai.openai', 'chat', openAiChatParser, 'sse', 'gpt4o-prod'],
  ['https://myres.openai.azure.com/openai/deployments/emb-small/embeddings', 'azure.ai.openai', 'embeddings', openAiEmbeddingsParser, 'sse', 'emb-small'],
  ['https://myres.cognitiveservices.azure.com/openai/deployments/my%20model/completions', 'azure.ai.openai', 'text_completion', openAiCompletionsParser, 'sse', 'my model'],
  ['https://myres.openai.azure.com/openai/v1/chat/completions', 'azure.ai.openai', 'chat', openAiChatParser, 'sse'],
  ['https://myres.openai.azure.com/openai/v1/responses', 'azure.ai.openai', 'chat', openAiResponsesParser, 'sse'],
  ['https://api.anthropic.com/v1/messages', 'anthropic', 'chat', anthropicMessagesParser, 'sse'],
  ['https://gateway.internal/anthropic/v1/messages', 'anthropic', 'chat', anthropicMessagesParser, 'sse'],
  ['https://api.groq.com/openai/v1/chat/completions', 'groq', 'chat', openAiChatParser, 'sse'],
  ['https://api.together.xyz/v1/chat/completions', 'together_ai', 'chat', openAiChatParser, 'sse'],
  ['https://api.mistral.ai/v1/embeddings', 'mistral_ai', 'embeddings', openAiEmbeddingsParser, 'sse'],
  ['https://api.deepseek.com/chat/completions', 'deepseek', 'chat', openAiChatParser, 'sse'],
  ['https://api.x.ai/v1/responses', 'x_ai', 'chat', openAiResponsesParser, 'sse'],
  ['https://openrouter.ai/api/v1/chat/completions', 'openrouter', 'chat', openAiChatParser, 'sse'],
  ['https://api.fireworks.ai/inference/v1/completions', 'fireworks_ai', 'text_completion', openAiCompletionsParser, 'sse'],
  ['https://api.perplexity.ai/chat/completions', 'perplexity', 'chat', openAiChatParser, 'sse'],
  // Cohere's own API on its hosts, and its OpenAI-compatible endpoint.
  ['https://api.cohere.com/v2/chat', 'cohere', 'chat', cohereV2ChatParser, 'sse'],
  ['https://api.cohere.ai/v1/chat', 'cohere', 'chat', cohereV1Parser, 'ndjson'],
  ['https://api.cohere.com/v1/generate', 'cohere', 'text_completion', cohereV1Parser, 'ndjson'],
  ['https://api.cohere.com/v2/embed', 'cohere', 'embeddings', cohereEmbedParser, 'sse'],
  ['https://api.cohere.ai/v1/embed', 'cohere', 'embeddings', cohereEmbedParser, 'sse'],
  ['https://api.cohere.com/v2/rerank', 'cohere', 'rerank', cohereRerankParser, 'sse'],
  ['https://api.cohere.ai/v1/rerank', 'cohere', 'rerank', cohereRerankParser, 'sse'],
  ['https://api.cohere.com/compatibility/v1/chat/completions', 'cohere', 'chat', openAiChatParser, 'sse'],
  ['http://10.0.0.5:8000/v1/chat/completions', 'openai', 'chat', openAiChatParser, 'sse'],
  ['http://127.0.0.1:8080/completions', 'openai', 'text_completion', openAiCompletionsParser, 'sse'],
  ['https://generativelanguage.googleapis.com/v1beta/openai/chat/completions', 'openai', 'chat', openAiChatParser, 'sse'],
  ['http://localhost:11434/v1/chat/completions', 'ollama', 'chat', openAiChatParser, 'sse'],
  ['http://localhost:11434/api/chat', 'ollama', 'chat', ollamaParser, 'ndjson'],
  ['http://localhost:11434/api/generate', 'ollama', 'text_completion', ollamaParser, 'ndjson'],
  ['http://ollama.models.svc:8080/api/chat', 'ollama', 'chat', ollamaParser, 'ndjson'],
  ['http://my-ollama:80/api/generate', 'ollama', 'text_completion', ollamaParser, 'ndjson'],
  // Gemini API: the model and the method in the path, on Google's host, a gateway or the simulator.
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', 'gcp.gemini', 'generate_content', geminiParser, 'sse', 'gemini-2.5-flash'],
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', 'gcp.gemini', 'generate_content', geminiParser, 'json-array', 'gemini-2.5-flash'],
  ['https://generativelanguage.googleapis.com/v1/models/text-embedding-004:embedContent', 'gcp.gemini', 'embeddings', geminiEmbeddingsParser, 'sse', 'text-embedding-004'],
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:batchEmbedContents', 'gcp.gemini', 'embeddings', geminiEmbeddingsParser, 'sse', 'gemini-embedding-001'],
  ['https://generativelanguage.googleapis.com/v1beta/tunedModels/my-tuned-7:generateContent', 'gcp.gemini', 'generate_content', geminiParser, 'sse', 'my-tuned-7'],
  ['https://gateway.ai.cloudflare.com/v1/acct/gw/google-ai-studio/v1beta/models/gemini-2.0-flash:streamGenerateContent', 'gcp.gemini', 'generate_content', geminiParser, 'json-array', 'gemini-2.0-flash'],
  ['http://127.0.0.1:8080/models/gemini-2.0-flash:generateContent', 'gcp.gemini', 'generate_content', geminiParser, 'sse', 'gemini-2.0-flash'],
  // Vertex AI: Gemini under a project and location, or alone (express mode, the global endpoint).
  ['https://us-central1-aiplatform.googleapis.com/v1/projects/my-proj/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent', 'gcp.vertex_ai', 'generate_content', geminiParser, 'sse', 'gemini-2.5-pro'],
  ['https://aiplatform.googleapis.com/v1beta1/projects/p/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse', 'gcp.vertex_ai', 'generate_content', geminiParser, 'json-array', 'gemini-2.5-pro'],
  ['https://aiplatform.googleapis.com/v1/publishers/google/models/gemini-2.0-flash:generateContent?key=x', 'gcp.vertex_ai', 'generate_content', geminiParser, 'sse', 'gemini-2.0-flash'],
  ['http://127.0.0.1:9000/v1beta1/publishers/google/models/gemini-embedding-001:embedContent', 'gcp.vertex_ai', 'embeddings', geminiEmbeddingsParser, 'sse', 'gemini-embedding-001'],
  ['https://europe-west4-aiplatform.googleapis.com/v1/projects/p/locations/europe-west4/publishers/google/models/gemini-embedding-001:batchEmbedContents', 'gcp.vertex_ai', 'embeddings', geminiEmbeddingsParser, 'sse', 'gemini-embedding-001'],
  ['https://aiplatform.us.rep.googleapis.com/v1/models/gemini-2.5-flash:generateContent', 'gcp.vertex_ai', 'generate_content', geminiParser, 'sse', 'gemini-2.5-flash'],
  // Claude on Vertex AI: Anthropic's API, the model (with its @version) in the path.
  ['https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict', 'gcp.vertex_ai', 'chat', anthropicMessagesParser, 'sse', 'claude-sonnet-4@20250514'],
  ['https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-3-5-haiku%4020241022:streamRawPredict', 'gcp.vertex_ai', 'chat', anthropicMessagesParser, 'sse', 'claude-3-5-haiku@20241022'],
];

const BEDROCK = 'https://bedrock-runtime.us-east-1.amazonaws.com/model';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const PROFILE_ARN = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';

/** Bedrock: the model id in the path, URL-encoded as the AWS SDK sends it; every family's two rows, and the generic ones. */
const BEDROCK_CALLS: [url: string, operation: string, streams: boolean, pathModel: string][] = [
  [`${BEDROCK}/${encodeURIComponent(HAIKU)}/converse`, 'chat', false, HAIKU],
  [`${BEDROCK}/${encodeURIComponent(HAIKU)}/converse-stream`, 'chat', true, HAIKU],
  [`${BEDROCK}/${encodeURIComponent(PROFILE_ARN)}/converse-stream`, 'chat', true, PROFILE_ARN],
  [`${BEDROCK}/${encodeURIComponent(HAIKU)}/invoke`, 'chat', false, HAIKU],
  [`${BEDROCK}/us.${encodeURIComponent(HAIKU)}/invoke-with-response-stream`, 'chat', true, `us.${HAIKU}`],
  [`${BEDROCK}/${encodeURIComponent(PROFILE_ARN)}/invoke`, 'chat', false, PROFILE_ARN],
  [`${BEDROCK}/amazon.titan-text-express-v1/invoke`, 'text_completion', false, 'amazon.titan-text-express-v1'],
  [`${BEDROCK}/amazon.titan-text-premier-v1%3A0/invoke-with-response-stream`, 'text_completion', true, 'amazon.titan-text-premier-v1:0'],
  [`${BEDROCK}/us.amazon.nova-pro-v1%3A0/invoke`, 'chat', false, 'us.amazon.nova-pro-v1:0'],
  [`${BEDROCK}/amazon.nova-lite-v1%3A0/invoke-with-response-stream`, 'chat', true, 'amazon.nova-lite-v1:0'],
  [`${BEDROCK}/meta.llama3-8b-instruct-v1%3A0/invoke`, 'text_completion', false, 'meta.llama3-8b-instruct-v1:0'],
  [`${BEDROCK}/us.meta.llama3-2-1b-instruct-v1%3A0/invoke-with-response-stream`, 'text_completion', true, 'us.meta.llama3-2-1b-instruct-v1:0'],
  [`${BEDROCK}/mistral.mistral-7b-instruct-v0%3A2/invoke`, 'text_completion', false, 'mistral.mistral-7b-instruct-v0:2'],
  [`${BEDROCK}/mistral.mixtral-8x7b-instruct-v0%3A1/invoke-with-response-stream`, 'text_completion', true, 'mistral.mixtral-8x7b-instruct-v0:1'],
  [`${BEDROCK}/cohere.command-r-v1%3A0/invoke`, 'chat', false, 'cohere.command-r-v1:0'],
  [`${BEDROCK}/cohere.command-r-plus-v1%3A0/invoke-with-response-stream`, 'chat', true, 'cohere.command-r-plus-v1:0'],
  [`${BEDROCK}/cohere.command-text-v14/invoke`, 'text_completion', false, 'cohere.command-text-v14'],
  [`${BEDROCK}/cohere.command-light-text-v14/invoke-with-response-stream`, 'text_completion', true, 'cohere.command-light-text-v14'],
  [`${BEDROCK}/amazon.titan-embed-text-v2%3A0/invoke`, 'embeddings', false, 'amazon.titan-embed-text-v2:0'],
  [`${BEDROCK}/cohere.embed-english-v3/invoke`, 'embeddings', false, 'cohere.embed-english-v3'],
  // An application inference profile names no family: Bedrock's own counts, operation chat.
  [`${BEDROCK}/${encodeURIComponent('arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3')}/invoke`, 'chat', false, 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3'],
  [`http://127.0.0.1:4566/model/ai21.jamba-1-5-mini-v1%3A0/invoke-with-response-stream`, 'chat', true, 'ai21.jamba-1-5-mini-v1:0'],
];

const NOT_MODEL_CALLS: [string, string?][] = [
  [`${BEDROCK}/${HAIKU}/converse`, 'GET'],
  ['https://shop.example.com/api/model/42/invoke'],
  ['https://shop.example.com/model/a/b/invoke'],
  ['https://shop.example.com/model/a=b;c/invoke'],
  ['https://api.openai.com/v1/models'],
  ['http://10.0.0.5:8000/health'],
  ['https://api.openai.com/v1/chat/completions', 'GET'],
  ['https://api.anthropic.com/v1/messages/count_tokens'],
  ['https://api.anthropic.com/v1/messages/batches'],
  ['https://shop.example.com/api/survey/responses'],
  ['https://shop.example.com/api/autocomplete/completions'],
  ['https://shop.example.com/api/chat'],
  ['http://localhost:3000/api/generate'],
  // Cohere's paths are generic words: only Cohere's hosts (or a declared server) make them model calls.
  ['https://shop.example.com/v2/chat'],
  ['http://127.0.0.1:8080/v1/chat'],
  ['https://example.com/v1/generate'],
  ['https://search.example.com/v2/embed'],
  ['https://search.example.com/v1/rerank'],
  ['https://api.cohere.com/v1/models'],
  ['https://api.openai.com/v1/chat/completions/abc123'],
  ['https://example.com/'],
  ['https://example.com'],
  // Google's other methods and resources, and ordinary routes that share a word.
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:countTokens'],
  ['https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent', 'GET'],
  ['https://generativelanguage.googleapis.com/v1beta/models'],
  ['https://generativelanguage.googleapis.com/v1beta/cachedContents'],
  ['https://us-east5-aiplatform.googleapis.com/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict'],
  ['https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/mistralai/models/mistral-large:rawPredict'],
  ['https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/123:predict'],
  ['https://shop.example.com/api/models/generateContent'],
  ['https://shop.example.com/generateContent'],
  ['https://shop.example.com/api/rawPredict'],
  ['https://shop.example.com/models/x:generateContent/history'],
];

describe('recognise', () => {
  it.each(MODEL_CALLS)('%s → %s %s', (url, provider, operation, parser, format, pathModel) => {
    const call = recognise(requestOf(url));
    expect(call).toBeDefined();
    expect(call!.providerName).toBe(provider);
    expect(call!.route.operation).toBe(operation);
    expect(call!.route.parser).toBe(parser);
    expect(call!.route.streamFormat).toBe(format);
    expect(call!.pathModel).toBe(pathModel);
  });

  it.each(NOT_MODEL_CALLS)('%s (%s) → undefined', (url, method) => {
    expect(recognise(requestOf(url, method))).toBeUndefined();
  });

  it('answers a repeated request as the first time, from its cache, and a cache miss as before', () => {
    const first = recognise(requestOf('https://api.openai.com/v1/chat/completions'))!;
    expect(recognise(requestOf('https://api.openai.com/v1/chat/completions'))).toBe(first);
    expect(recognise(requestOf('https://example.com/api/survey/responses'))).toBeUndefined();
    expect(recognise(requestOf('https://example.com/api/survey/responses'))).toBeUndefined();
    // Every row of the table, twice over: the second pass gives each the same answer.
    for (const [url] of MODEL_CALLS) expect(recognise(requestOf(url))).toEqual(recognise(requestOf(url)));
  });

  it('accepts a lower-case method', () => {
    expect(recognise(requestOf('https://api.openai.com/v1/chat/completions', 'post'))?.providerName).toBe('openai');
  });

  it.each(BEDROCK_CALLS)('%s → aws.bedrock %s (stream %s)', (url, operation, streams, pathModel) => {
    const call = recognise(requestOf(url));
    expect(call).toBeDefined();
    expect(call!.providerName).toBe('aws.bedrock');
    expect(call!.route.operation).toBe(operation);
    expect(call!.route.streams === true).toBe(streams);
    expect(call!.route.streamFormat).toBe('aws-eventstream');
    expect(call!.pathModel).toBe(pathModel);
  });

  it('reaches every row of the table from some URL above', () => {
    const reached = new Set([...MODEL_CALLS, ...BEDROCK_CALLS].map(([url]) => recognise(requestOf(url))!.route));
    const unreached = PROVIDER_ROUTES.filter((route) => !reached.has(route));
    expect(unreached.map((route) => `${route.operation} ${route.path}`)).toEqual([]);
  });
});

describe('servers declared in LLM_OTEL_MODEL_SERVERS', () => {
  const declare = (value: string) => declareModelServers(parseModelServers(value).servers);
  afterEach(() => declareModelServers([]));

  it('an Ollama server on any host and port: its native API and its OpenAI paths, named ollama', () => {
    expect(recognise(requestOf('http://gpu-box:8080/api/chat'))).toBeUndefined();
    declare('http://gpu-box:8080=ollama');
    const chat = recognise(requestOf('http://gpu-box:8080/api/chat'))!;
    expect([chat.providerName, chat.route.operation, chat.route.parser, chat.route.streamFormat]).toEqual(['ollama', 'chat', ollamaParser, 'ndjson']);
    expect(recognise(requestOf('http://gpu-box:8080/api/generate'))!.route.operation).toBe('text_completion');
    const openAi = recognise(requestOf('http://gpu-box:8080/v1/chat/completions'))!;
    expect([openAi.providerName, openAi.route.parser]).toEqual(['ollama', openAiChatParser]);
    // The same name on another port or host is not the declared server.
    expect(recognise(requestOf('http://gpu-box:8081/api/chat'))).toBeUndefined();
    expect(recognise(requestOf('http://gpu-box-2:8080/api/chat'))).toBeUndefined();
    expect(recognise(requestOf('http://gpu-box:8080/api/chat', 'GET'))).toBeUndefined();
  });

  it('an OpenAI-compatible server on a base path: its paths after the prefix, with or without /v1, named as the compatible rows name it', () => {
    expect(recognise(requestOf('https://llm.internal/proxy/completions'))).toBeUndefined();
    declare('https://llm.internal/proxy=openai,https://api.groq.com/gateway=openai');
    const completions = recognise(requestOf('https://llm.internal/proxy/completions'))!;
    expect([completions.providerName, completions.route.operation, completions.route.parser]).toEqual(['openai', 'text_completion', openAiCompletionsParser]);
    expect(recognise(requestOf('https://llm.internal/proxy/v1/embeddings'))!.route.parser).toBe(openAiEmbeddingsParser);
    expect(recognise(requestOf('https://llm.internal/proxy/responses'))!.route.parser).toBe(openAiResponsesParser);
    expect(recognise(requestOf('https://api.groq.com/gateway/responses'))!.providerName).toBe('groq');
    // Outside the prefix, the table's own rows decide: a generic word stays no model call.
    expect(recognise(requestOf('https://llm.internal/proxyish/completions'))).toBeUndefined();
    expect(recognise(requestOf('https://llm.internal/app/responses'))).toBeUndefined();
  });

  it('a Cohere proxy: Cohere\'s paths on it; its other paths fall through to the table', () => {
    declare('https://cohere-proxy:9000=cohere');
    const v2 = recognise(requestOf('https://cohere-proxy:9000/v2/chat'))!;
    expect([v2.providerName, v2.route.parser, v2.route.streamFormat]).toEqual(['cohere', cohereV2ChatParser, 'sse']);
    expect(recognise(requestOf('https://cohere-proxy:9000/v1/rerank'))!.route.parser).toBe(cohereRerankParser);
    expect(recognise(requestOf('https://cohere-proxy:9000/v1/chat/completions'))!.providerName).toBe('openai');
    expect(recognise(requestOf('https://cohere-proxy:9000/api/chat'))).toBeUndefined();
  });

  it('the longest declared prefix of one origin wins', () => {
    declare('http://10.0.0.9:4000=openai,http://10.0.0.9:4000/anthropic=anthropic');
    expect(recognise(requestOf('http://10.0.0.9:4000/anthropic/v1/messages'))!.route.parser).toBe(anthropicMessagesParser);
    expect(recognise(requestOf('http://10.0.0.9:4000/v1/chat/completions'))!.route.parser).toBe(openAiChatParser);
  });
});
