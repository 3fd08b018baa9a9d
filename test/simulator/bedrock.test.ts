// Bedrock, through the real AWS SDK (@aws-sdk/client-bedrock-runtime with its default NodeHttp2Handler)
// against the simulator's cleartext HTTP/2 (h2c) on the same port as HTTP/1.1: Converse,
// ConverseStream, InvokeModel and InvokeModelWithResponseStream in the AWS event stream the SDK
// decodes, Bedrock's error shape, the schedule's failures, and the binary recordings replayed.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  type BedrockRuntimeServiceException,
} from '@aws-sdk/client-bedrock-runtime';
import { readFileSync } from 'node:fs';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens } from '../../demo/simulator/index.js';
import { splitMessages } from '../../demo/simulator/eventstream.js';
import { RECORDINGS_DIR, post, useSimulator } from './helpers.js';

const sim = useSimulator();
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const TITAN = 'amazon.titan-text-express-v1';
const messages = [{ role: 'user' as const, content: [{ text: 'Tell me a joke about OpenTelemetry' }] }];

let client: BedrockRuntimeClient;
beforeAll(() => {
  client = new BedrockRuntimeClient({
    endpoint: sim.current.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSIMULATOR', secretAccessKey: 'simulator-secret' },
    maxAttempts: 1,
  });
});
afterAll(() => client.destroy());

/** The simulator's schedule headers on one SDK command (a build-step middleware, as any header would be added). */
function withHeaders<C extends { middlewareStack: { add: Function } }>(command: C, headers: Record<string, string>): C {
  command.middlewareStack.add(
    (next: (args: { request: { headers: Record<string, string> } }) => unknown) => (args: { request: { headers: Record<string, string> } }) => {
      Object.assign(args.request.headers, headers);
      return next(args);
    },
    { step: 'build' },
  );
  return command;
}

const lastRecord = () => sim.current.calls.at(-1)!;

describe('Bedrock over HTTP/2 (h2c), through the AWS SDK', () => {
  it('Converse: the whole body with usage and stop reason; the call came in over HTTP/2', async () => {
    const output = await client.send(withHeaders(new ConverseCommand({ modelId: HAIKU, messages, inferenceConfig: { maxTokens: 3 } }), { 'x-sim-chunks': '5' }));
    expect(output.output?.message?.content).toEqual([{ text: generatedTokens(3).join('') }]);
    expect(output.stopReason).toBe('max_tokens');
    expect(output.usage).toEqual({ inputTokens: countPromptTokens({ messages }), outputTokens: 3, totalTokens: countPromptTokens({ messages }) + 3 });
    expect(output.$metadata.requestId).toMatch(/^req_/);
    expect(lastRecord()).toMatchObject({ httpVersion: '2.0', provider: 'bedrock', model: HAIKU, stream: false, status: 200 });
  });

  it('ConverseStream: messageStart, one delta per token, contentBlockStop, messageStop, metadata with usage', async () => {
    const response = await client.send(withHeaders(new ConverseStreamCommand({ modelId: `us.${HAIKU}`, messages }), { 'x-sim-chunks': '4' }));
    const events: string[] = [];
    let text = '';
    let usage: unknown;
    for await (const event of response.stream!) {
      const [name] = Object.keys(event);
      events.push(name!);
      text += event.contentBlockDelta?.delta?.text ?? '';
      usage ??= event.metadata?.usage;
      if (event.messageStop) expect(event.messageStop.stopReason).toBe('end_turn');
    }
    expect(events).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockStop', 'messageStop', 'metadata']);
    expect(text).toBe(generatedTokens(4).join(''));
    expect(usage).toMatchObject({ inputTokens: countPromptTokens({ messages }), outputTokens: 4 });
    expect(lastRecord()).toMatchObject({ httpVersion: '2.0', model: `us.${HAIKU}`, stream: true, chunks: 4 });
  });

  it('InvokeModel: the family by the model id (Anthropic Messages, Titan), Bedrock\'s token-count headers', async () => {
    const anthropic = await client.send(
      new InvokeModelCommand({ modelId: HAIKU, body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }) }),
    );
    expect(JSON.parse(Buffer.from(anthropic.body).toString())).toMatchObject({ type: 'message', content: [{ type: 'text', text: generatedTokens(2).join('') }], stop_reason: 'max_tokens', usage: { output_tokens: 2 } });
    const titan = await client.send(withHeaders(new InvokeModelCommand({ modelId: TITAN, body: JSON.stringify({ inputText: 'hello there' }) }), { 'x-sim-chunks': '3' }));
    expect(JSON.parse(Buffer.from(titan.body).toString())).toEqual({ inputTextTokenCount: 1, results: [{ tokenCount: 3, outputText: generatedTokens(3).join(''), completionReason: 'FINISH' }] });
    const response = await post(sim.current, `/model/${TITAN}/invoke`, { inputText: 'one two three' }, { 'x-sim-chunks': '2' });
    expect(response.headers.get('x-amzn-bedrock-input-token-count')).toBe('1');
    expect(response.headers.get('x-amzn-bedrock-output-token-count')).toBe('2');
  });

  it('InvokeModelWithResponseStream: chunk events carrying the family\'s JSON, invocation metrics on the last', async () => {
    const response = await client.send(
      withHeaders(new InvokeModelWithResponseStreamCommand({ modelId: HAIKU, body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) }), {
        'x-sim-chunks': '3',
      }),
    );
    const events: Record<string, unknown>[] = [];
    for await (const event of response.body!) events.push(JSON.parse(Buffer.from(event.chunk!.bytes!).toString()));
    expect(events.map((e) => e.type)).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events.at(-1)!['amazon-bedrock-invocationMetrics']).toMatchObject({ inputTokenCount: 1, outputTokenCount: 3 });
    const titan = await client.send(new InvokeModelWithResponseStreamCommand({ modelId: TITAN, body: JSON.stringify({ inputText: 'hi', textGenerationConfig: { maxTokenCount: 2 } }) }));
    const chunks: Record<string, unknown>[] = [];
    for await (const event of titan.body!) chunks.push(JSON.parse(Buffer.from(event.chunk!.bytes!).toString()));
    expect(chunks.map((c) => c.outputText).join('')).toBe(generatedTokens(2).join(''));
    expect(chunks.at(-1)).toMatchObject({ completionReason: 'LENGTH', totalOutputTextTokenCount: 2 });
  });

  it('errors in Bedrock\'s shape: the SDK names them from x-amzn-errortype (429 ThrottlingException, 400 ValidationException)', async () => {
    for (const [mode, name, status] of [['429', 'ThrottlingException', 429], ['400', 'ValidationException', 400]] as const) {
      const error = (await client.send(withHeaders(new ConverseStreamCommand({ modelId: HAIKU, messages }), { 'x-sim-error': mode })).catch((e: unknown) => e)) as BedrockRuntimeServiceException;
      expect(error.name).toBe(name);
      expect(error.$metadata.httpStatusCode).toBe(status);
      expect(error.message).toMatch(/simulated/);
    }
  });

  it('midstream: a modelStreamErrorException message after half the chunks; truncate: the stream reset inside a frame', async () => {
    const midstream = await client.send(withHeaders(new ConverseStreamCommand({ modelId: HAIKU, messages }), { 'x-sim-error': 'midstream', 'x-sim-chunks': '6' }));
    let deltas = 0;
    const failure = await (async () => {
      for await (const event of midstream.stream!) if (event.contentBlockDelta) deltas++;
    })().catch((e: Error) => e);
    expect(failure).toMatchObject({ name: 'ModelStreamErrorException' });
    expect(deltas).toBe(3);

    const truncated = await client.send(withHeaders(new ConverseStreamCommand({ modelId: HAIKU, messages }), { 'x-sim-error': 'truncate', 'x-sim-chunks': '6' }));
    const cut = await (async () => {
      for await (const _event of truncated.stream!);
    })().catch((e: Error) => e);
    expect(cut).toBeInstanceOf(Error);
    expect(lastRecord()).toMatchObject({ error: 'truncate', chunks: 3, aborted: false });
  });

  it('replays a binary recording byte for byte over HTTP/2, paced one message per write', async () => {
    const name = 'bedrock-titan-invoke-stream.json';
    const recorded = JSON.parse(readFileSync(join(RECORDINGS_DIR, name), 'utf8'));
    const expected = Buffer.from(recorded.response.body_base64, 'base64');
    const session = connect(sim.current.url);
    try {
      const stream = session.request({ ':method': 'POST', ':path': `/model/${TITAN}/invoke-with-response-stream`, 'x-sim-replay': name });
      stream.end(JSON.stringify(recorded.request.body));
      const headers = await new Promise<IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
      expect(headers['content-type']).toBe('application/vnd.amazon.eventstream');
      const parts: Buffer[] = [];
      for await (const part of stream) parts.push(part as Buffer);
      expect(Buffer.concat(parts).equals(expected)).toBe(true);
      expect(lastRecord()).toMatchObject({ httpVersion: '2.0', chunks: splitMessages(expected).length });
    } finally {
      session.close();
    }
  });
});

describe('the same port over HTTP/1.1', () => {
  it('serves Bedrock to plain fetch too: the same event stream, Bedrock\'s request id header', async () => {
    const response = await post(sim.current, `/model/${encodeURIComponent(HAIKU)}/converse-stream`, { messages }, { 'x-sim-chunks': '2' });
    expect(response.headers.get('content-type')).toBe('application/vnd.amazon.eventstream');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^req_/);
    const frames = splitMessages(new Uint8Array(await response.arrayBuffer()));
    expect(frames).toHaveLength(6);
    expect(lastRecord()).toMatchObject({ httpVersion: '1.1', model: HAIKU, stream: true });
  });

  it('an error body is Bedrock\'s {message}, with x-amzn-errortype', async () => {
    const response = await post(sim.current, `/model/${HAIKU}/converse`, { messages }, { 'x-sim-error': '429' });
    expect(response.status).toBe(429);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^ThrottlingException:/);
    expect(await response.json()).toEqual({ message: expect.stringMatching(/Too many requests/) });
  });
});
