// gen_ai.provider.name for the OpenAI-compatible API, which dozens of services and servers speak.
//
// The rule: a known public endpoint's host names its provider (the conventions' well-known
// names where they exist: openai, groq, mistral_ai, deepseek, x_ai, perplexity; the OpenTelemetry
// community's usual spelling otherwise); Ollama's default port 11434 means Ollama; any other
// server (vLLM, llama.cpp, TGI, LiteLLM, a company gateway) is recorded as `openai`, the API it
// speaks. The span always carries server.address and server.port, so the real server stays known.
import type { OutgoingRequest } from './types.js';

export const OPENAI_COMPATIBLE_DEFAULT = 'openai';
export const OLLAMA = 'ollama';
export const COHERE = 'cohere';
export const OLLAMA_DEFAULT_PORT = 11434;

const PROVIDER_BY_HOST: ReadonlyMap<string, string> = new Map([
  ['api.openai.com', 'openai'],
  ['api.groq.com', 'groq'],
  ['api.together.xyz', 'together_ai'],
  ['api.mistral.ai', 'mistral_ai'],
  ['api.deepseek.com', 'deepseek'],
  ['api.x.ai', 'x_ai'],
  ['openrouter.ai', 'openrouter'],
  ['api.fireworks.ai', 'fireworks_ai'],
  ['api.perplexity.ai', 'perplexity'],
  // Cohere's OpenAI-compatible API (/compatibility/v1/chat/completions); its own API has rows of its own.
  ['api.cohere.com', COHERE],
  ['api.cohere.ai', COHERE],
]);

export function openAiCompatibleProviderName(request: OutgoingRequest): string {
  return (
    PROVIDER_BY_HOST.get(request.host) ??
    (request.port === OLLAMA_DEFAULT_PORT ? OLLAMA : OPENAI_COMPATIBLE_DEFAULT)
  );
}
