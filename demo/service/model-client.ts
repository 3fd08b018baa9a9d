// How the sample service talks to its models: plain fetch, as many services do, with streaming
// responses read as server-sent events just far enough to relay the generated text.
import { EventSourceParserStream } from 'eventsource-parser/stream';

/** The model answered with an HTTP error: the service reports it as a bad gateway. */
export class ModelHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`model answered HTTP ${status}`);
  }
}

export interface ChatRequest {
  model: string;
  prompt: string;
  maxTokens: number;
}

/** Headers the caller wants on the model request (the demo's x-sim-* schedule). */
export type ExtraHeaders = Record<string, string>;

/** Picks the text out of one streamed event; undefined for events that carry none. */
type TextOfEvent = (data: unknown) => string | undefined;

/** Streams an OpenAI-compatible chat completion, calling `onText` with each piece of generated text. */
export function streamOpenAiChat(baseUrl: string, request: ChatRequest, headers: ExtraHeaders, onText: (text: string) => void): Promise<void> {
  const body = {
    model: request.model,
    stream: true,
    // Without it an OpenAI stream reports no token counts; most production services ask for them.
    stream_options: { include_usage: true },
    max_tokens: request.maxTokens,
    messages: [{ role: 'user', content: request.prompt }],
  };
  return streamEvents(`${baseUrl}/v1/chat/completions`, body, { authorization: 'Bearer demo-key', ...headers }, onText, (data) => {
    const choices = (data as { choices?: Array<{ delta?: { content?: unknown } }> }).choices;
    const content = choices?.[0]?.delta?.content;
    return typeof content === 'string' ? content : undefined;
  });
}

/** Streams an Anthropic messages response, calling `onText` with each text delta. */
export function streamAnthropicMessage(baseUrl: string, request: ChatRequest, headers: ExtraHeaders, onText: (text: string) => void): Promise<void> {
  const body = {
    model: request.model,
    stream: true,
    max_tokens: request.maxTokens,
    messages: [{ role: 'user', content: request.prompt }],
  };
  const auth = { 'x-api-key': 'demo-key', 'anthropic-version': '2023-06-01' };
  return streamEvents(`${baseUrl}/v1/messages`, body, { ...auth, ...headers }, onText, (data) => {
    const event = data as { type?: string; delta?: { type?: string; text?: unknown } };
    const text = event.type === 'content_block_delta' && event.delta?.type === 'text_delta' ? event.delta.text : undefined;
    return typeof text === 'string' ? text : undefined;
  });
}

async function streamEvents(url: string, body: object, headers: ExtraHeaders, onText: (text: string) => void, textOf: TextOfEvent): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  if (!response.ok || !response.body) throw new ModelHttpError(response.status, await response.text());
  const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  for await (const event of events) {
    if (event.data === '[DONE]') break;
    const text = textOf(JSON.parse(event.data));
    if (text) onText(text);
  }
}
