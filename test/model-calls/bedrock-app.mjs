// A service that calls Bedrock through the real @aws-sdk/client-bedrock-runtime with its default
// request handler (NodeHttp2Handler: HTTP/2, here cleartext to the simulator), and through plain
// fetch as SDKs built on fetch do. Each scenario uses its own model id so the test can find its
// span, and prints one RESULT line. Every request is SigV4-signed with fixed fake credentials; the
// signatures are written to SIGNATURES_FILE (not to the output the test searches for them).
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';

const credentials = JSON.parse(process.env.CREDENTIALS);
const client = new BedrockRuntimeClient({ endpoint: process.env.SIM_URL, region: 'us-east-1', credentials, maxAttempts: 1 });
// After signing (the deserialize step follows finalizeRequest): keep each request's signature.
client.middlewareStack.add(
  (next) => async (args) => {
    const signature = /Signature=([0-9a-f]+)/.exec(args.request.headers.authorization ?? '')?.[1];
    if (signature) appendFileSync(process.env.SIGNATURES_FILE, `${signature}\n`);
    return next(args);
  },
  { step: 'deserialize', name: 'keepSignature' },
);

const schedule = { 'x-sim-first-chunk-ms': '150', 'x-sim-interval-ms': '20', 'x-sim-chunks': '10' };
const messages = [{ role: 'user', content: [{ text: 'say hello to the world' }] }];
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const epochMs = () => performance.timeOrigin + performance.now();
const recording = (file) => JSON.parse(readFileSync(`${process.env.RECORDINGS_DIR}/${file}`, 'utf8'));
const decodePath = (url) => decodeURIComponent(new URL(url).pathname.split('/')[2]);

/** The simulator's schedule headers on one command, added before signing as any header would be. */
function send(command, headers = {}, options = {}) {
  command.middlewareStack.add(
    (next) => (args) => {
      Object.assign(args.request.headers, headers);
      return next(args);
    },
    { step: 'build' },
  );
  return client.send(command, options);
}

/** Reads a ConverseStream: its text, when content first arrived, the stop reason and usage. */
async function readConverseStream(stream) {
  let text = '';
  let firstContentReadAt = null;
  let stopReason;
  let usage;
  const events = [];
  for await (const event of stream) {
    events.push(event);
    const delta = event.contentBlockDelta?.delta?.text;
    if (delta) {
      firstContentReadAt ??= epochMs();
      text += delta;
    }
    stopReason ??= event.messageStop?.stopReason;
    usage ??= event.metadata?.usage;
  }
  return { text, firstContentReadAt, stopReason, usage, events };
}

/** Reads an InvokeModelWithResponseStream: each chunk's bytes as the family's JSON. */
async function readChunks(body) {
  const chunks = [];
  let firstContentReadAt = null;
  for await (const event of body) {
    firstContentReadAt ??= epochMs();
    chunks.push(Buffer.from(event.chunk.bytes).toString('utf8'));
  }
  return { chunks, firstContentReadAt };
}

const anthropicBody = (extra = {}) => JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, temperature: 0.4, messages: [{ role: 'user', content: 'say hello' }], ...extra });

const scenarios = {
  async converse(modelId) {
    const out = await send(
      new ConverseCommand({ modelId, messages, inferenceConfig: { maxTokens: 64, temperature: 0.2, topP: 0.9, stopSequences: ['END'] }, additionalModelRequestFields: { top_k: 5 } }),
      { 'x-sim-chunks': '7' },
    );
    return { text: out.output.message.content[0].text, stopReason: out.stopReason, usage: out.usage };
  },
  async 'converse-stream'(modelId) {
    const response = await send(new ConverseStreamCommand({ modelId, messages, inferenceConfig: { maxTokens: 128 } }), schedule);
    const { events, ...read } = await readConverseStream(response.stream);
    return read;
  },
  async invoke(modelId) {
    const out = await send(new InvokeModelCommand({ modelId, body: anthropicBody({ top_k: 3 }) }), { 'x-sim-chunks': '6' });
    const body = Buffer.from(out.body);
    return { sha: sha256(body), body: JSON.parse(body.toString('utf8')) };
  },
  async 'invoke-titan'(modelId) {
    const out = await send(new InvokeModelCommand({ modelId, body: JSON.stringify({ inputText: 'say hello', textGenerationConfig: { maxTokenCount: 50, topP: 0.8 } }) }), { 'x-sim-chunks': '4' });
    return { body: JSON.parse(Buffer.from(out.body).toString('utf8')) };
  },
  async 'invoke-stream'(modelId) {
    const response = await send(new InvokeModelWithResponseStreamCommand({ modelId, body: anthropicBody() }), schedule);
    const events = [];
    let text = '';
    let firstContentReadAt = null;
    for await (const event of response.body) {
      const parsed = JSON.parse(Buffer.from(event.chunk.bytes).toString('utf8'));
      events.push(parsed.type);
      // The first chunks are message_start and content_block_start: content comes with the first delta.
      if (parsed.delta?.text) {
        firstContentReadAt ??= epochMs();
        text += parsed.delta.text;
      }
    }
    return { text, events, firstContentReadAt };
  },
  async 'invoke-stream-titan'(modelId) {
    const response = await send(new InvokeModelWithResponseStreamCommand({ modelId, body: JSON.stringify({ inputText: 'say hello' }) }), schedule);
    const { chunks, firstContentReadAt } = await readChunks(response.body);
    return { text: chunks.map((chunk) => JSON.parse(chunk).outputText).join(''), firstContentReadAt };
  },
  async 'converse-429'(modelId) {
    await send(new ConverseCommand({ modelId, messages }), { 'x-sim-error': '429' });
  },
  async 'converse-stream-400'(modelId) {
    await send(new ConverseStreamCommand({ modelId, messages }), { 'x-sim-error': '400' });
  },
  async 'converse-stream-truncate'(modelId) {
    const response = await send(new ConverseStreamCommand({ modelId, messages }), { ...schedule, 'x-sim-error': 'truncate' });
    return readConverseStream(response.stream);
  },
  async 'converse-stream-midstream'(modelId) {
    const response = await send(new ConverseStreamCommand({ modelId, messages }), { ...schedule, 'x-sim-error': 'midstream' });
    return readConverseStream(response.stream);
  },
  async 'converse-stream-abort'(modelId) {
    const controller = new AbortController();
    const response = await send(new ConverseStreamCommand({ modelId, messages }), { ...schedule, 'x-sim-chunks': '50' }, { abortSignal: controller.signal });
    let seen = 0;
    try {
      for await (const event of response.stream) {
        if (event.contentBlockDelta && ++seen === 3) controller.abort();
      }
    } catch (error) {
      return { seen, aborted: true, error: error?.name };
    }
    return { seen, aborted: false };
  },
  // Real recordings through the SDK: what the application reads equals what Bedrock sent.
  async 'replay-converse-stream'(file) {
    const recorded = recording(file);
    const response = await send(new ConverseStreamCommand({ modelId: decodePath(recorded.request.url), messages }), { 'x-sim-replay': file, 'x-sim-interval-ms': '1' });
    const { events } = await readConverseStream(response.stream);
    return { events };
  },
  async 'replay-converse'(file) {
    const recorded = recording(file);
    const out = await send(new ConverseCommand({ modelId: decodePath(recorded.request.url), messages }), { 'x-sim-replay': file });
    return { output: out.output, stopReason: out.stopReason, usage: out.usage, metrics: out.metrics };
  },
  async 'replay-invoke'(file) {
    const recorded = recording(file);
    const out = await send(new InvokeModelCommand({ modelId: decodePath(recorded.request.url), body: JSON.stringify(recorded.request.body) }), { 'x-sim-replay': file });
    return { sha: sha256(Buffer.from(out.body)) };
  },
  async 'replay-invoke-stream'(file) {
    const recorded = recording(file);
    const response = await send(new InvokeModelWithResponseStreamCommand({ modelId: decodePath(recorded.request.url), body: JSON.stringify(recorded.request.body) }), {
      'x-sim-replay': file,
      'x-sim-interval-ms': '1',
    });
    return readChunks(response.body);
  },
  // The same recordings over plain fetch (HTTP/1.1), as fetch-based SDKs call Bedrock; a presigned
  // style query carries credentials, which must not reach the span's url.full.
  async 'fetch-replay'(file) {
    const recorded = recording(file);
    const { pathname } = new URL(recorded.request.url);
    const query = new URLSearchParams({ 'X-Amz-Credential': `${credentials.accessKeyId}/20260101/us-east-1/bedrock/aws4_request`, 'X-Amz-Security-Token': credentials.sessionToken, 'X-Amz-Signature': 'f'.repeat(64) });
    const response = await fetch(`${process.env.SIM_URL}${pathname}?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-replay': file, 'x-sim-interval-ms': '1' },
      body: JSON.stringify(recorded.request.body),
    });
    return { sha: sha256(Buffer.from(await response.arrayBuffer())) };
  },
};

for (const name of process.env.SCENARIOS.split(',')) {
  const [kind, arg] = name.split('|');
  try {
    const result = await scenarios[kind](arg);
    console.log('RESULT ' + JSON.stringify({ name, ok: true, ...result }));
  } catch (error) {
    console.log('RESULT ' + JSON.stringify({ name, ok: false, error: error?.name, status: error?.$metadata?.httpStatusCode, message: String(error?.message).slice(0, 200) }));
  }
}
client.destroy();
