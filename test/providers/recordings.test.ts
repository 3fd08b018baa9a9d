// Every recorded real exchange, through recognise → readRequest → decoder → readEvent (or
// readResponse): the facts must equal what the recording holds, however the body is cut.
import { describe, expect, it } from 'vitest';
import { recognise } from '../../agent/providers/table.js';
import { streamFormatOf } from '../../agent/providers/exchange-reader.js';
import { emptyResponseFacts, type ProviderParser, type ResponseFacts } from '../../agent/providers/types.js';
import { GEN_AI_REQUEST_CHOICE_COUNT, GEN_AI_REQUEST_ENCODING_FORMATS, GEN_AI_REQUEST_MAX_TOKENS, GEN_AI_REQUEST_STREAM } from '../../agent/semconv.js';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { GEN_AI_REQUEST_TEMPERATURE, GEN_AI_REQUEST_TOP_K, GEN_AI_REQUEST_TOP_P } from '../../agent/semconv.js';
import {
  cutPlans,
  eventBoundaryCuts,
  loadBinaryRecording,
  loadRecording,
  messageBoundaryCuts,
  naiveSseEvents,
  outgoingRequestOf,
  replay,
  type Recording,
} from './recordings.js';

const CAPTURE = { captureContent: true };
const NO_CAPTURE = { captureContent: false };

/** What a stream recording holds, read independently of the code under test. */
interface Expected {
  facts: ResponseFacts;
  contentEvents: number;
  text: string;
}

type Json = Record<string, any>; // recordings are read loosely: a wrong guess fails the comparison

function expectedOpenAiChat(body: string): Expected {
  const chunks: Json[] = naiveSseEvents(body)
    .map((e) => e.data)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data));
  const usage = chunks.find((chunk) => chunk.usage)?.usage;
  const deltas = chunks.flatMap((chunk) => chunk.choices.map((choice: Json) => choice.delta));
  const facts: ResponseFacts = {
    responseId: chunks[0].id,
    responseModel: chunks[0].model,
    finishReasons: chunks.flatMap((chunk) => chunk.choices.map((c: Json) => c.finish_reason).filter((r: unknown) => r !== null)),
  };
  if (usage) {
    Object.assign(facts, {
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      cacheReadInputTokens: usage.prompt_tokens_details.cached_tokens,
      reasoningOutputTokens: usage.completion_tokens_details.reasoning_tokens,
    });
  }
  return {
    facts,
    contentEvents: chunks.filter((chunk) => chunk.choices.some((c: Json) => c.delta.content || c.delta.tool_calls?.length)).length,
    text: deltas.map((delta: Json) => delta.content ?? '').join(''),
  };
}

function expectedAnthropic(body: string): Expected {
  const events: Json[] = naiveSseEvents(body).map((e) => JSON.parse(e.data));
  const start = events.find((e) => e.type === 'message_start')!.message;
  const end = events.find((e) => e.type === 'message_delta')!;
  const deltas = events.filter((e) => e.type === 'content_block_delta');
  const { input_tokens, cache_read_input_tokens, cache_creation_input_tokens } = start.usage;
  return {
    facts: {
      responseId: start.id,
      responseModel: start.model,
      finishReasons: [end.delta.stop_reason],
      inputTokens: input_tokens + cache_read_input_tokens + cache_creation_input_tokens,
      cacheReadInputTokens: cache_read_input_tokens,
      cacheCreationInputTokens: cache_creation_input_tokens,
      outputTokens: end.usage.output_tokens,
    },
    contentEvents: deltas.length,
    text: deltas.map((e) => e.delta.text).join(''),
  };
}

function expectedResponses(body: string): Expected {
  const events: Json[] = naiveSseEvents(body)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => JSON.parse(e.data));
  const completed = events.find((e) => e.type === 'response.completed')!.response;
  const deltas = events.filter((e) => e.type === 'response.output_text.delta');
  return {
    facts: {
      responseId: completed.id,
      responseModel: completed.model,
      finishReasons: ['stop'],
      inputTokens: completed.usage.input_tokens,
      outputTokens: completed.usage.output_tokens,
    },
    contentEvents: deltas.length,
    text: deltas.map((e) => e.delta).join(''),
  };
}

/** Gemini: usage so far in every chunk (output = candidates + thoughts), finish reasons per candidate. */
function expectedGemini(body: string): Expected {
  // Google frames its events with CRLF.
  const chunks: Json[] = naiveSseEvents(body.replaceAll('\r\n', '\n')).map((e) => JSON.parse(e.data));
  const last = chunks.at(-1)!;
  const usage = last.usageMetadata;
  const parts = chunks.flatMap((chunk) => chunk.candidates[0].content.parts as Json[]);
  const facts: ResponseFacts = {
    responseId: last.responseId,
    responseModel: last.modelVersion,
    finishReasons: chunks.flatMap((chunk) => chunk.candidates.map((c: Json) => c.finishReason).filter(Boolean)),
    inputTokens: usage.promptTokenCount,
    outputTokens: usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0),
  };
  if (usage.thoughtsTokenCount !== undefined) facts.reasoningOutputTokens = usage.thoughtsTokenCount;
  return {
    facts,
    contentEvents: chunks.filter((chunk) => chunk.candidates.some((c: Json) => c.content.parts.some((p: Json) => p.text))).length,
    text: parts.filter((p) => !p.thought).map((p) => p.text ?? '').join(''),
  };
}

function parserFor(recording: Recording): ProviderParser {
  const call = recognise(outgoingRequestOf(recording));
  expect(call, recording.request.url).toBeDefined();
  return call!.route.parser;
}

/** Replays a stream recording at every cut plan and checks each against the expectation. */
function checkStream(file: string, expectedOf: (body: string) => Expected, randomRuns = 60): Expected {
  const recording = loadRecording(file);
  const parser = parserFor(recording);
  // The format the exchange reader takes: the content type's (Gemini's SSE with alt=sse), else the route's.
  const format = streamFormatOf(recording.response.content_type, recognise(outgoingRequestOf(recording))!.route.streamFormat)!;
  const expected = expectedOf(recording.response.body);
  const bytes = new TextEncoder().encode(recording.response.body);
  const plans = cutPlans(bytes.length, randomRuns);
  for (const cuts of plans) {
    // The recorder's path (the declared fast path, then readEvent) and a full parse of every event.
    for (const fastPath of [true, false]) {
      const run = replay(parser, format, bytes, cuts, NO_CAPTURE, { fastPath });
      if (run.contentEvents !== expected.contentEvents || JSON.stringify(run.facts) !== JSON.stringify(expected.facts)) {
        // Report the first failing cut plan with a readable diff.
        expect({ cuts, fastPath, facts: run.facts, contentEvents: run.contentEvents }).toEqual({ cuts, fastPath, ...expected, text: undefined });
      }
    }
  }
  // One whole event per chunk, as providers write them: past the stream's head, events that cannot
  // change the facts are settled from their raw bytes, never decoded, and the answer is the same.
  const oneEventPerChunk = replay(parser, format, bytes, eventBoundaryCuts(bytes));
  expect({ facts: oneEventPerChunk.facts, contentEvents: oneEventPerChunk.contentEvents }).toEqual({ facts: expected.facts, contentEvents: expected.contentEvents });
  expect(oneEventPerChunk.settled).toBeGreaterThanOrEqual(expected.contentEvents - 1);
  // With capture on every event is parsed: the same facts, plus the text.
  for (const cuts of plans.slice(0, 200)) {
    const run = replay(parser, format, bytes, cuts, CAPTURE);
    expect(run.settled).toBe(0); // the text is needed: nothing is settled unread
    expect(run.contentEvents).toBe(expected.contentEvents);
    expect(run.facts).toEqual({ ...expected.facts, outputText: expected.text || undefined });
  }
  return expected;
}

describe('stream recordings', () => {
  it('OpenAI chat with include_usage: gpt-4o-mini, 22 in / 4 out, three content chunks', () => {
    const expected = checkStream('openai-chat-stream-include-usage.json', expectedOpenAiChat);
    expect(expected.facts).toMatchObject({
      responseId: 'chatcmpl-Aupa8NcA6BeYgkxTnJPVDULyIHTY0',
      responseModel: 'gpt-4o-mini-2024-07-18',
      finishReasons: ['stop'],
      inputTokens: 22,
      outputTokens: 4,
      cacheReadInputTokens: 0,
      reasoningOutputTokens: 0,
    });
    expect(expected.contentEvents).toBe(3);
    expect(expected.text).toBe('Atlantic Ocean.');
  });

  it('OpenAI chat without usage: no token counts, 22 content chunks', () => {
    const expected = checkStream('openai-chat-stream-no-usage.json', expectedOpenAiChat);
    expect(expected.facts).toEqual({
      responseId: 'chatcmpl-C4TUacC25IN2vuTdOzverPXrXhZa2',
      responseModel: 'gpt-3.5-turbo-0125',
      finishReasons: ['stop'],
    });
    expect(expected.contentEvents).toBe(22);
  });

  it('OpenAI chat tool calls: every tool_calls delta is content, finish reason tool_calls', () => {
    const expected = checkStream('openai-chat-stream-tool-calls.json', expectedOpenAiChat);
    expect(expected.facts).toMatchObject({ finishReasons: ['tool_calls'], inputTokens: 140, outputTokens: 20 });
    expect(expected.contentEvents).toBe(10);
  });

  it('Anthropic messages: claude-3-opus, 17 in / 158 out, 61 content deltas', () => {
    const expected = checkStream('anthropic-messages-stream.json', expectedAnthropic, 30);
    expect(expected.facts).toEqual({
      responseId: 'msg_0178nRhNdfNKxFcZRFqApVgL',
      responseModel: 'claude-3-opus-20240229',
      finishReasons: ['end_turn'],
      inputTokens: 17,
      cacheReadInputTokens: 0,
      cacheCreationInputTokens: 0,
      outputTokens: 158,
    });
    expect(expected.contentEvents).toBe(61);
  });

  it('Gemini with thinking: 9 in / 29 + 256 thoughts out, usage repeated in every chunk, finish reason STOP', () => {
    const expected = checkStream('gemini-reasoning-stream.json', expectedGemini);
    expect(expected.facts).toEqual({
      responseId: 'dX6LadKVC7SZ28oPr9yJoQs',
      responseModel: 'gemini-3-pro-preview',
      finishReasons: ['STOP'],
      inputTokens: 9,
      outputTokens: 285,
      reasoningOutputTokens: 256,
    });
    // The last chunk carries only a thought signature and an empty text: no content.
    expect(expected.contentEvents).toBe(2);
    expect(expected.text).toBe('There are **3** "r"s in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.');
  });

  it('OpenAI Responses without event: lines: 22 in / 4 out, three deltas', () => {
    const expected = checkStream('openai-responses-stream.json', expectedResponses);
    expect(expected.facts).toMatchObject({ responseId: 'resp_stream_usage', responseModel: 'gpt-4o-mini-2024-07-18', inputTokens: 22, outputTokens: 4 });
    expect(expected.contentEvents).toBe(3);
    expect(expected.text).toBe('South Atlantic Ocean.');
  });
});

/** Cohere's usage, as the agent reads it: `tokens` (what the model read and wrote), then v1's `token_count`, then `billed_units`. */
function cohereUsage(holder: Json | undefined, tokenCount?: Json): Pick<ResponseFacts, 'inputTokens' | 'outputTokens'> {
  return {
    inputTokens: holder?.tokens?.input_tokens ?? tokenCount?.prompt_tokens ?? holder?.billed_units?.input_tokens,
    outputTokens: holder?.tokens?.output_tokens ?? tokenCount?.response_tokens ?? holder?.billed_units?.output_tokens,
  };
}

function expectedCohereV2(body: string): Expected {
  const events: Json[] = naiveSseEvents(body)
    .filter((e) => e.data !== '[DONE]')
    .map((e) => ({ event: e.event, ...JSON.parse(e.data) }));
  const start = events.find((e) => e.type === 'message-start')!;
  const end = events.find((e) => e.type === 'message-end')!;
  const deltas = events.filter((e) => e.type === 'content-delta' && e.delta.message.content.text);
  expect(events.every((e) => e.event === e.type), 'each SSE event is named as its type').toBe(true);
  return {
    facts: { responseId: start.id, finishReasons: [end.delta.finish_reason], ...cohereUsage(end.delta.usage) },
    contentEvents: deltas.length,
    text: deltas.map((e) => e.delta.message.content.text).join(''),
  };
}

function expectedCohereV1(body: string): Expected {
  const events: Json[] = body.trimEnd().split('\n').map((line) => JSON.parse(line));
  const end = events.find((e) => e.event_type === 'stream-end')!;
  const texts = events.filter((e) => e.event_type === 'text-generation' && e.text);
  const generations: Json[] = end.response.generations ?? [];
  return {
    facts: {
      responseId: end.response.response_id ?? end.response.id ?? end.response.generation_id,
      finishReasons: generations.length ? generations.map((g) => g.finish_reason) : [end.finish_reason],
      ...cohereUsage(end.response.meta, end.response.token_count),
    },
    contentEvents: texts.length,
    text: texts.map((e) => e.text).join(''),
  };
}

describe('Cohere stream recordings', () => {
  it('v2 chat (SSE, typed events): id from message-start, COMPLETE and tokens (not billed units) from message-end', () => {
    const expected = checkStream('cohere-v2-chat-stream.json', expectedCohereV2);
    expect(expected.facts).toEqual({
      responseId: '29f14a5a-11de-4cae-9800-25e4747408ea',
      finishReasons: ['COMPLETE'],
      inputTokens: 71,
      outputTokens: 26,
    });
    expect(expected.contentEvents).toBe(24);
    expect(expected.text).toMatch(/^LLMs stand for Large Language Models/);
  });

  it('v1 generate (NDJSON as application/stream+json): the id, COMPLETE and billed units from stream-end', () => {
    const expected = checkStream('cohere-generate-stream.json', expectedCohereV1);
    expect(expected.facts).toEqual({
      responseId: '1ce1192a-de25-4997-b880-9ff96d6ba2b4',
      finishReasons: ['COMPLETE'],
      inputTokens: 5,
      outputTokens: 55,
    });
    expect(expected.contentEvents).toBe(56);
  });
});

describe('non-stream recordings', () => {
  function readWhole(file: string, captureContent = false): { recording: Recording; facts: ResponseFacts; body: Json } {
    const recording = loadRecording(file);
    const facts = emptyResponseFacts();
    const body = JSON.parse(recording.response.body);
    parserFor(recording).readResponse(body, facts, { captureContent });
    return { recording, facts, body };
  }

  it('OpenAI chat completion', () => {
    const { facts, body } = readWhole('openai-chat.json', true);
    expect(facts).toEqual({
      responseId: body.id,
      responseModel: body.model,
      finishReasons: body.choices.map((c: Json) => c.finish_reason),
      inputTokens: body.usage.prompt_tokens,
      outputTokens: body.usage.completion_tokens,
      cacheReadInputTokens: body.usage.prompt_tokens_details.cached_tokens,
      reasoningOutputTokens: body.usage.completion_tokens_details.reasoning_tokens,
      outputText: body.choices[0].message.content,
    });
    expect(facts).toMatchObject({ responseModel: 'gpt-4o-mini-2024-07-18', inputTokens: 22, outputTokens: 4, finishReasons: ['stop'] });
  });

  it('Anthropic message', () => {
    const { facts, body } = readWhole('anthropic-messages.json');
    expect(facts).toEqual({
      responseId: body.id,
      responseModel: body.model,
      finishReasons: [body.stop_reason],
      inputTokens: body.usage.input_tokens,
      cacheReadInputTokens: body.usage.cache_read_input_tokens,
      cacheCreationInputTokens: body.usage.cache_creation_input_tokens,
      outputTokens: body.usage.output_tokens,
    });
    expect(facts).toMatchObject({ responseId: 'msg_01ABEG1nJ4BqCbQR4BUANnCB', inputTokens: 17, outputTokens: 137, finishReasons: ['end_turn'] });
  });

  it('Gemini generateContent: thoughts counted as output and as reasoning, MAX_TOKENS', () => {
    const { facts, body } = readWhole('gemini-generate-content.json', true);
    const usage = body.usageMetadata;
    expect(facts).toEqual({
      responseId: body.responseId,
      responseModel: body.modelVersion,
      finishReasons: body.candidates.map((c: Json) => c.finishReason),
      inputTokens: usage.promptTokenCount,
      outputTokens: usage.candidatesTokenCount + usage.thoughtsTokenCount,
      reasoningOutputTokens: usage.thoughtsTokenCount,
      outputText: body.candidates[0].content.parts[0].text,
    });
    expect(facts).toMatchObject({ responseModel: 'gemini-2.5-flash', inputTokens: 7, outputTokens: 198, finishReasons: ['MAX_TOKENS'] });
    // totalTokenCount is prompt + candidates + thoughts: nothing counted twice or left out.
    expect(facts.inputTokens! + facts.outputTokens!).toBe(usage.totalTokenCount);
  });

  it('OpenAI embeddings: dimension count and input tokens', () => {
    const { facts, body } = readWhole('openai-embeddings.json');
    expect(facts).toEqual({
      responseModel: body.model,
      finishReasons: [],
      inputTokens: body.usage.prompt_tokens,
      embeddingDimensions: body.data[0].embedding.length,
    });
    expect(facts).toMatchObject({ responseModel: 'text-embedding-3-small', inputTokens: 8, embeddingDimensions: 1536 });
  });
});

describe('Cohere non-stream recordings', () => {
  function readWhole(file: string): { facts: ResponseFacts; body: Json } {
    const recording = loadRecording(file);
    const facts = emptyResponseFacts();
    const body = JSON.parse(recording.response.body);
    parserFor(recording).readResponse(body, facts, NO_CAPTURE);
    return { facts, body };
  }

  it('v1 chat: response_id, and token_count (what the model read) before billed units; this older response has no finish reason', () => {
    const { facts, body } = readWhole('cohere-chat.json');
    expect(facts).toEqual({ responseId: body.response_id, finishReasons: [], inputTokens: body.token_count.prompt_tokens, outputTokens: body.token_count.response_tokens });
    expect(facts).toMatchObject({ inputTokens: 1376, outputTokens: 60 });
    expect(body.meta.billed_units).toEqual({ input_tokens: 23, output_tokens: 60 });
  });

  it('v2 chat: id, finish reason, usage.tokens', () => {
    const { facts, body } = readWhole('cohere-v2-chat.json');
    expect(facts).toEqual({ responseId: body.id, finishReasons: [body.finish_reason], inputTokens: body.usage.tokens.input_tokens, outputTokens: body.usage.tokens.output_tokens });
    expect(facts).toMatchObject({ finishReasons: ['COMPLETE'], inputTokens: 71, outputTokens: 418 });
  });

  it('v2 embed: the float vectors\' length, billed input tokens', () => {
    const { facts, body } = readWhole('cohere-v2-embed.json');
    expect(facts).toEqual({ responseId: body.id, finishReasons: [], inputTokens: body.meta.billed_units.input_tokens, embeddingDimensions: body.embeddings.float[0].length });
    expect(facts).toMatchObject({ inputTokens: 2, embeddingDimensions: 1024 });
  });

  it('v2 rerank: the id; search units are not tokens, so no token count', () => {
    const { facts, body } = readWhole('cohere-v2-rerank.json');
    expect(facts).toEqual({ responseId: body.id, finishReasons: [] });
    expect(body.meta.billed_units).toEqual({ search_units: 1 });
  });
});

describe('request bodies of every recording', () => {
  const files = [
    'cohere-chat.json',
    'cohere-generate-stream.json',
    'cohere-v2-chat-stream.json',
    'cohere-v2-chat.json',
    'cohere-v2-embed.json',
    'cohere-v2-rerank.json',
    'anthropic-messages-stream.json',
    'anthropic-messages.json',
    'gemini-generate-content.json',
    'openai-chat-stream-include-usage.json',
    'openai-chat-stream-no-usage.json',
    'openai-chat-stream-tool-calls.json',
    'openai-chat.json',
    'openai-embeddings.json',
    'openai-responses-stream.json',
  ];
  it.each(files)('%s: model and stream', (file) => {
    const recording = loadRecording(file);
    const body = recording.request.body!;
    const request = parserFor(recording).readRequest(body, NO_CAPTURE);
    expect(request.model).toBe(body.model);
    expect(request.stream).toBe(body.stream === true);
    expect(request.inputMessages).toBeUndefined();
  });

  it('reads max_tokens, stream and encoding_format', () => {
    const chat = loadRecording('openai-chat.json');
    expect(parserFor(chat).readRequest(chat.request.body, NO_CAPTURE)).toEqual({
      model: 'gpt-4o-mini',
      stream: false,
      attributes: { [GEN_AI_REQUEST_MAX_TOKENS]: 200, [GEN_AI_REQUEST_STREAM]: false },
    });
    const anthropic = loadRecording('anthropic-messages-stream.json');
    expect(parserFor(anthropic).readRequest(anthropic.request.body, NO_CAPTURE).attributes).toEqual({
      [GEN_AI_REQUEST_MAX_TOKENS]: 1024,
      [GEN_AI_REQUEST_STREAM]: true,
    });
    const embeddings = loadRecording('openai-embeddings.json');
    expect(parserFor(embeddings).readRequest(embeddings.request.body, NO_CAPTURE).attributes).toEqual({
      [GEN_AI_REQUEST_ENCODING_FORMATS]: ['float'],
    });
  });

  it('reads Gemini\'s generationConfig (candidateCount 1 is the default: not recorded)', () => {
    const gemini = loadRecording('gemini-generate-content.json');
    expect(parserFor(gemini).readRequest(gemini.request.body, NO_CAPTURE).attributes).toEqual({
      [GEN_AI_REQUEST_MAX_TOKENS]: 200,
      [GEN_AI_REQUEST_STREAM]: false,
    });
    expect(GEN_AI_REQUEST_CHOICE_COUNT in parserFor(gemini).readRequest(gemini.request.body, NO_CAPTURE).attributes).toBe(false);
  });

  it('reads input messages only when capturing', () => {
    const tools = loadRecording('openai-chat-stream-tool-calls.json');
    const request = parserFor(tools).readRequest(tools.request.body, CAPTURE);
    expect(request.inputMessages).toEqual(
      (tools.request.body!.messages as Json[]).map((m) => ({ role: m.role, parts: [{ type: 'text', content: m.content }] })),
    );
    const responses = loadRecording('openai-responses-stream.json');
    expect(parserFor(responses).readRequest(responses.request.body, CAPTURE).inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Answer in up to 3 words: Which ocean contains Bouvet Island?' }] },
    ]);
  });
});

describe('Bedrock recordings', () => {
  const codec = new EventStreamCodec((b) => Buffer.from(b).toString('utf8'), (text) => Buffer.from(text, 'utf8'));

  /** The messages of an AWS event stream, framed by their length prefixes and decoded by the AWS SDK's codec. */
  function messagesOf(bytes: Uint8Array): { type: string; payload: Json }[] {
    const messages: { type: string; payload: Json }[] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = Buffer.from(bytes.buffer, bytes.byteOffset + at, 4).readUInt32BE(0);
      const { headers, body } = codec.decode(bytes.subarray(at, at + length));
      messages.push({ type: String(headers[':event-type']?.value), payload: JSON.parse(Buffer.from(body).toString('utf8')) });
      at += length;
    }
    return messages;
  }

  function expectedConverseStream(bytes: Uint8Array): Expected {
    const messages = messagesOf(bytes);
    const deltas = messages.filter((m) => m.type === 'contentBlockDelta' && m.payload.delta.text);
    const usage = messages.find((m) => m.type === 'metadata')!.payload.usage;
    return {
      facts: {
        finishReasons: [messages.find((m) => m.type === 'messageStop')!.payload.stopReason],
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
      },
      contentEvents: deltas.length,
      text: deltas.map((m) => m.payload.delta.text).join(''),
    };
  }

  function expectedTitanStream(bytes: Uint8Array): Expected {
    const chunks: Json[] = messagesOf(bytes).map((m) => JSON.parse(Buffer.from(m.payload.bytes, 'base64').toString('utf8')));
    const last = chunks.at(-1)!;
    return {
      facts: { inputTokens: last.inputTextTokenCount, outputTokens: last.totalOutputTextTokenCount, finishReasons: [last.completionReason] },
      contentEvents: chunks.filter((c) => c.outputText).length,
      text: chunks.map((c) => c.outputText).join(''),
    };
  }

  /** Replays a binary stream recording cut at every byte, at random and one byte at a time, fast path on and off, capture on and off. */
  function checkBinaryStream(file: string, expectedOf: (bytes: Uint8Array) => Expected): Expected {
    const { recording, bytes } = loadBinaryRecording(file);
    const call = recognise(outgoingRequestOf(recording))!;
    expect(call, file).toBeDefined();
    const { parser, streamFormat } = call.route;
    expect(streamFormat).toBe('aws-eventstream');
    const expected = expectedOf(bytes);
    const plans = [messageBoundaryCuts(bytes), ...cutPlans(bytes.length, 60)];
    for (const cuts of plans) {
      for (const fastPath of [true, false]) {
        const run = replay(parser, streamFormat, bytes, cuts, NO_CAPTURE, { fastPath });
        if (run.contentEvents !== expected.contentEvents || JSON.stringify(run.facts) !== JSON.stringify(expected.facts)) {
          expect({ cuts, fastPath, facts: run.facts, contentEvents: run.contentEvents }).toEqual({ cuts, fastPath, ...expected, text: undefined });
        }
      }
      const captured = replay(parser, streamFormat, bytes, cuts, CAPTURE);
      if (captured.facts.outputText !== expected.text) expect({ cuts, text: captured.facts.outputText }).toEqual({ cuts, text: expected.text });
    }
    return expected;
  }

  it('ConverseStream (a live capture): eu.anthropic.claude-sonnet-4-6, 12 in / 5 out, end_turn, two content deltas', () => {
    const expected = checkBinaryStream('bedrock-converse-stream.json', expectedConverseStream);
    expect(expected).toEqual({ facts: { finishReasons: ['end_turn'], inputTokens: 12, outputTokens: 5 }, contentEvents: 2, text: 'OK.' });
    const { recording, bytes } = loadBinaryRecording('bedrock-converse-stream.json');
    const call = recognise(outgoingRequestOf(recording))!;
    expect(call).toMatchObject({ providerName: 'aws.bedrock', pathModel: 'eu.anthropic.claude-sonnet-4-6', route: { operation: 'chat', streams: true } });
    // One message per chunk, as Bedrock writes them: the content deltas are settled by the fast path.
    expect(replay(call.route.parser, 'aws-eventstream', bytes, messageBoundaryCuts(bytes)).settled).toBeGreaterThanOrEqual(2);
  });

  it('InvokeModelWithResponseStream, Amazon Titan: 8 in / 17 out, FINISH, from the chunk inside the event', () => {
    const expected = checkBinaryStream('bedrock-titan-invoke-stream.json', expectedTitanStream);
    expect(expected).toEqual({
      facts: { inputTokens: 8, outputTokens: 17, finishReasons: ['FINISH'] },
      contentEvents: 1,
      text: '\nThe four cardinal directions are north, south, east, and west.',
    });
  });

  it('InvokeModel, Anthropic Text Completions (claude-v2): the stop reason; no counts in the body, the model from the path', () => {
    const recording = loadRecording('bedrock-anthropic-invoke.json');
    const call = recognise(outgoingRequestOf(recording))!;
    expect(call).toMatchObject({ providerName: 'aws.bedrock', pathModel: 'anthropic.claude-v2', route: { operation: 'chat' } });
    const body = JSON.parse(recording.response.body);
    const facts = emptyResponseFacts();
    call.route.parser.readResponse(body, facts, CAPTURE);
    expect(facts).toEqual({ finishReasons: [body.stop_reason], outputText: body.completion });
    expect(facts.finishReasons).toEqual(['stop_sequence']);
    expect(call.route.parser.readRequest(recording.request.body, NO_CAPTURE)).toEqual({
      stream: false,
      attributes: {
        [GEN_AI_REQUEST_MAX_TOKENS]: 300,
        [GEN_AI_REQUEST_TEMPERATURE]: 0.5,
        [GEN_AI_REQUEST_TOP_P]: 1,
        [GEN_AI_REQUEST_TOP_K]: 250,
        [GEN_AI_REQUEST_STREAM]: false,
      },
    });
  });

  it('Converse through an inference profile ARN (Nova Lite): 2 in / 10 out, max_tokens, the ARN decoded as the model', () => {
    const recording = loadRecording('bedrock-converse.json');
    const call = recognise(outgoingRequestOf(recording))!;
    expect(call.pathModel).toBe('arn:aws:bedrock:eu-west-1:474668406012:inference-profile/eu.amazon.nova-lite-v1:0');
    const body = JSON.parse(recording.response.body);
    const facts = emptyResponseFacts();
    call.route.parser.readResponse(body, facts, CAPTURE);
    expect(facts).toEqual({
      finishReasons: [body.stopReason],
      inputTokens: body.usage.inputTokens,
      outputTokens: body.usage.outputTokens,
      outputText: body.output.message.content[0].text,
    });
    expect(facts).toMatchObject({ finishReasons: ['max_tokens'], inputTokens: 2, outputTokens: 10 });
    expect(call.route.parser.readRequest(recording.request.body, CAPTURE)).toEqual({
      stream: false,
      attributes: { [GEN_AI_REQUEST_STREAM]: false },
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'Say hello' }] }],
      systemInstructions: undefined,
    });
  });

  it('Titan\'s request: textGenerationConfig, an empty stopSequences left out, stream from the path', () => {
    const { recording } = loadBinaryRecording('bedrock-titan-invoke-stream.json');
    const call = recognise(outgoingRequestOf(recording))!;
    expect(call.route.operation).toBe('text_completion');
    expect(call.route.parser.readRequest(recording.request.body, NO_CAPTURE)).toEqual({
      model: undefined,
      stream: true,
      attributes: { [GEN_AI_REQUEST_MAX_TOKENS]: 4096, [GEN_AI_REQUEST_TEMPERATURE]: 0, [GEN_AI_REQUEST_TOP_P]: 1, [GEN_AI_REQUEST_STREAM]: true },
    });
  });
});
