// What sets one simulated provider apart beyond its wire formats (formats/): the headers that carry
// the request id, how whole bodies are printed, and error bodies in the provider's real shape (for
// HTTP errors and in-stream errors alike). A new provider is one entry in PROVIDERS.
import type { OutgoingHttpHeaders } from 'node:http';
import type { SimProvider } from './types.js';

export type ErrorStatus = 400 | 404 | 429 | 500;

const OPENAI_ERRORS: Record<ErrorStatus, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request (simulated).' },
  404: { type: 'invalid_request_error', code: 'unknown_url', message: 'Unknown endpoint.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests (simulated).' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
};

const ANTHROPIC_ERRORS: Record<ErrorStatus, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request (simulated).' },
  404: { type: 'not_found_error', message: 'Not found.' },
  429: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit (simulated).' },
  500: { type: 'api_error', message: 'Internal server error' },
};

const COHERE_ERRORS: Record<ErrorStatus, string> = {
  400: 'invalid request (simulated)',
  404: 'not found',
  429: "You are using a Trial key, which is limited to 10 API calls / minute (simulated).",
  500: 'internal server error, this has been reported to our developers (simulated)',
};

/** Bedrock's error types by status, sent in `x-amzn-errortype` (the SDK names its exception after it). */
const BEDROCK_ERRORS: Record<ErrorStatus, { type: string; message: string }> = {
  400: { type: 'ValidationException', message: 'Malformed input request (simulated).' },
  404: { type: 'ResourceNotFoundException', message: 'Could not resolve the foundation model.' },
  429: { type: 'ThrottlingException', message: 'Too many requests, please wait before trying again (simulated).' },
  500: { type: 'InternalServerException', message: 'The server encountered an internal error (simulated).' },
};

/** The `error` object OpenAI sends in bodies and inside streams. */
export function openAIError(status: ErrorStatus, message?: string) {
  const known = OPENAI_ERRORS[status];
  return { message: message ?? known.message, type: known.type, param: null, code: known.code };
}

/** Anthropic's error envelope (the same for HTTP errors and the in-stream `event: error`). */
export function anthropicError(type: string, message: string, requestId: string) {
  return { type: 'error', error: { type, message }, request_id: requestId };
}

const GOOGLE_ERRORS: Record<ErrorStatus, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument (simulated).' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota) (simulated).' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' },
};

/** Google's error object (`{code, message, status}`), the same in error bodies and in a stream. */
export function googleError(status: ErrorStatus, message?: string) {
  const known = GOOGLE_ERRORS[status];
  return { code: status, message: message ?? known.message, status: known.status };
}

export interface ProviderProfile {
  /** Response headers carrying the request id, as the provider names them. */
  requestIdHeaders: readonly string[];
  /** Indent of whole JSON bodies (OpenAI pretty-prints; the others send them compact). */
  wholeBodyIndent: number;
  errorBody(status: ErrorStatus, requestId: string, message?: string): unknown;
  /** Optional: headers an error response carries besides the request id (Bedrock's error type). */
  errorHeaders?(status: ErrorStatus): OutgoingHttpHeaders;
}

export const PROVIDERS: Record<SimProvider, ProviderProfile> = {
  openai: {
    requestIdHeaders: ['x-request-id'],
    wholeBodyIndent: 2,
    errorBody: (status, _requestId, message) => ({ error: openAIError(status, message) }),
  },
  // Cohere's recorded responses carry their request id as x-debug-trace-id; errors are {"message": ...}.
  cohere: {
    requestIdHeaders: ['x-debug-trace-id'],
    wholeBodyIndent: 0,
    errorBody: (status, _requestId, message) => ({ message: message ?? COHERE_ERRORS[status] }),
  },
  anthropic: {
    requestIdHeaders: ['request-id', 'x-request-id'],
    wholeBodyIndent: 0,
    errorBody: (status, requestId, message) => {
      const known = ANTHROPIC_ERRORS[status];
      return anthropicError(known.type, message ?? known.message, requestId);
    },
  },
  ollama: {
    requestIdHeaders: ['x-request-id'],
    wholeBodyIndent: 0,
    errorBody: (status, _requestId, message) => ({ error: message ?? OPENAI_ERRORS[status].message }),
  },
  // Google sends no request id of its own; the simulator's goes in x-request-id. Bodies are pretty-printed.
  gemini: {
    requestIdHeaders: ['x-request-id'],
    wholeBodyIndent: 2,
    errorBody: (status, _requestId, message) => ({ error: googleError(status, message) }),
  },
  bedrock: {
    requestIdHeaders: ['x-amzn-requestid'],
    wholeBodyIndent: 0,
    errorBody: (status, _requestId, message) => ({ message: message ?? BEDROCK_ERRORS[status].message }),
    errorHeaders: (status) => ({ 'x-amzn-errortype': `${BEDROCK_ERRORS[status].type}:http://internal.amazon.com/coral/com.amazon.bedrock/` }),
  },
};

export function errorBody(provider: SimProvider, status: ErrorStatus, requestId: string, message?: string): unknown {
  return PROVIDERS[provider].errorBody(status, requestId, message);
}
