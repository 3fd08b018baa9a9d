// A service that calls models through the real clients users have: openai (newest, over fetch),
// openai v4 (node-fetch over node:http), @anthropic-ai/sdk, cohere-ai (v2 and v1 clients), and plain fetch. Each scenario uses
// its own model name so the test can find its span; each prints one RESULT line.
import OpenAI from 'openai';
import OpenAIv4 from 'openai-v4';
import Anthropic from '@anthropic-ai/sdk';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const base = process.env.SIM_URL;
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test-SECRET-openai', maxRetries: 0 });
const openaiV4 = new OpenAIv4({ baseURL: `${base}/v1`, apiKey: 'sk-test-SECRET-v4', maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: base, apiKey: 'sk-ant-SECRET', maxRetries: 0 });
// Cohere's clients take the server as `environment`; the test declares the simulator a Cohere server.
const cohereV2 = new CohereClientV2({ token: 'co-SECRET-cohere-v2', environment: base, maxRetries: 0 });
const cohereV1 = new CohereClient({ token: 'co-SECRET-cohere-v1', environment: base, maxRetries: 0 });
const cohereMessages = [{ role: 'user', content: 'say hello to the world' }];
const schedule = { 'x-sim-first-chunk-ms': '150', 'x-sim-interval-ms': '20', 'x-sim-chunks': '10' };
const chat = (model, extra = {}) => ({
  model,
  max_tokens: 64,
  temperature: 0.2,
  top_p: 0.9,
  messages: [{ role: 'user', content: 'say hello to the world' }],
  ...extra,
});
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
/** Wall-clock milliseconds at sub-millisecond resolution, on the same clock the spans use. */
const epochMs = () => performance.timeOrigin + performance.now();

/** Reads a chat stream's text, and when the app first got content (the upper bound of a true TTFT). */
async function readChat(stream) {
  let text = '';
  let firstContentReadAt = null;
  for await (const chunk of stream) {
    const delta = chunk.choices?.[0]?.delta?.content ?? '';
    if (delta && firstContentReadAt === null) firstContentReadAt = epochMs();
    text += delta;
  }
  return { text, firstContentReadAt };
}
const readText = async (stream) => (await readChat(stream)).text;

const scenarios = {
  async 'openai-stream'(name) {
    const stream = await openai.chat.completions.create(chat(name, { stream: true, stream_options: { include_usage: true } }), { headers: schedule });
    return readChat(stream);
  },
  async 'openai-stream-no-usage'(name) {
    const stream = await openai.chat.completions.create(chat(name, { stream: true }), { headers: { ...schedule, 'x-sim-usage': 'omit' } });
    return { text: await readText(stream) };
  },
  async 'openai-stream-split-utf8'(name) {
    // The simulator cuts its writes inside multi-byte characters.
    const stream = await openai.chat.completions.create(chat(name, { stream: true }), { headers: { ...schedule, 'x-sim-split-utf8': '1' } });
    return { text: await readText(stream) };
  },
  async 'openai-stream-default'(name) {
    // No stream_options: like OpenAI itself, the simulator then sends no usage.
    const stream = await openai.chat.completions.create(chat(name, { stream: true }), { headers: schedule });
    return { text: await readText(stream) };
  },
  async 'openai-nonstream'(name) {
    const completion = await openai.chat.completions.create(chat(name), { headers: { 'x-sim-chunks': '7' } });
    return { text: completion.choices[0].message.content, usage: completion.usage };
  },
  async 'openai-break'(name) {
    const stream = await openai.chat.completions.create(chat(name, { stream: true }), { headers: { ...schedule, 'x-sim-chunks': '50' } });
    let seen = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content && ++seen === 3) break;
    return { seen };
  },
  async 'openai-tee'(name) {
    const stream = await openai.chat.completions.create(chat(name, { stream: true, stream_options: { include_usage: true } }), { headers: schedule });
    const [left, right] = stream.tee();
    const [a, b] = await Promise.all([readText(left), readText(right)]);
    return { same: a === b, text: a };
  },
  async 'openai-429'(name) {
    await openai.chat.completions.create(chat(name), { headers: { 'x-sim-error': '429' } });
  },
  async 'openai-500-stream'(name) {
    await openai.chat.completions.create(chat(name, { stream: true }), { headers: { 'x-sim-error': '500' } });
  },
  async 'openai-truncate'(name) {
    const stream = await openai.chat.completions.create(chat(name, { stream: true }), { headers: { ...schedule, 'x-sim-error': 'truncate' } });
    return { text: await readText(stream) };
  },
  async 'openai-responses-stream'(name) {
    const stream = await openai.responses.create({ model: name, input: 'say hello', stream: true, max_output_tokens: 100 }, { headers: schedule });
    let text = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    return { text };
  },
  async 'openai-embeddings'(name) {
    const result = await openai.embeddings.create({ model: name, input: ['one', 'two'] });
    return { vectors: result.data.length, dims: result.data[0].embedding.length };
  },
  async 'openai-v4-stream'(name) {
    const stream = await openaiV4.chat.completions.create(chat(name, { stream: true, stream_options: { include_usage: true } }), { headers: schedule });
    return readChat(stream);
  },
  async 'openai-v4-stream-no-usage'(name) {
    const stream = await openaiV4.chat.completions.create(chat(name, { stream: true }), { headers: schedule });
    return { text: await readText(stream) };
  },
  async 'openai-v4-break'(name) {
    const stream = await openaiV4.chat.completions.create(chat(name, { stream: true }), { headers: { ...schedule, 'x-sim-chunks': '50' } });
    let seen = 0;
    for await (const chunk of stream) if (chunk.choices[0]?.delta?.content && ++seen === 3) break;
    return { seen };
  },
  async 'anthropic-stream'(name) {
    const stream = await anthropic.messages.create(
      { model: name, max_tokens: 128, stream: true, system: 'be brief', messages: [{ role: 'user', content: 'hello' }] },
      { headers: schedule },
    );
    let text = '';
    let firstContentReadAt = null;
    for await (const event of stream) {
      if (event.type !== 'content_block_delta' || event.delta.type !== 'text_delta') continue;
      firstContentReadAt ??= epochMs();
      text += event.delta.text;
    }
    return { text, firstContentReadAt };
  },
  async 'anthropic-nonstream'(name) {
    const message = await anthropic.messages.create({ model: name, max_tokens: 128, messages: [{ role: 'user', content: 'hello' }] });
    return { text: message.content[0].text, usage: message.usage };
  },
  async 'cohere-v2-stream'(name) {
    const stream = await cohereV2.chatStream(
      { model: name, messages: cohereMessages, maxTokens: 64, temperature: 0.2, p: 0.9, k: 40, seed: 7, stopSequences: ['END'], frequencyPenalty: 0.1, presencePenalty: 0.2 },
      { headers: schedule },
    );
    let text = '';
    let firstContentReadAt = null;
    for await (const event of stream) {
      const delta = event.type === 'content-delta' ? (event.delta?.message?.content?.text ?? '') : '';
      if (delta && firstContentReadAt === null) firstContentReadAt = epochMs();
      text += delta;
    }
    return { text, firstContentReadAt };
  },
  async 'cohere-v2-chat'(name) {
    const reply = await cohereV2.chat({ model: name, messages: cohereMessages }, { headers: { 'x-sim-chunks': '7' } });
    return { text: reply.message.content?.[0]?.text, usage: reply.usage, id: reply.id };
  },
  async 'cohere-v2-embed'(name) {
    const result = await cohereV2.embed({ model: name, texts: ['one', 'two'], inputType: 'search_document', embeddingTypes: ['float'] });
    return { vectors: result.embeddings.float.length, dims: result.embeddings.float[0].length, id: result.id };
  },
  async 'cohere-v2-rerank'(name) {
    const result = await cohereV2.rerank({ model: name, query: 'capital?', documents: ['Paris', 'Rome', 'Oslo'], topN: 2 });
    return { results: result.results.length, id: result.id };
  },
  async 'cohere-v1-stream'(name) {
    const stream = await cohereV1.chatStream({ model: name, message: 'say hello to the world', temperature: 0.3 }, { headers: schedule });
    let text = '';
    let firstContentReadAt = null;
    for await (const event of stream) {
      if (event.eventType !== 'text-generation') continue;
      firstContentReadAt ??= epochMs();
      text += event.text;
    }
    return { text, firstContentReadAt };
  },
  async 'cohere-429'(name) {
    await cohereV2.chat({ model: name, messages: cohereMessages }, { headers: { 'x-sim-error': '429' } });
  },
  async 'cohere-abort'(name) {
    const controller = new AbortController();
    const stream = await cohereV2.chatStream({ model: name, messages: cohereMessages }, { headers: { ...schedule, 'x-sim-chunks': '50' }, abortSignal: controller.signal });
    let seen = 0;
    try {
      for await (const event of stream) if (event.type === 'content-delta' && ++seen === 3) controller.abort();
    } catch (error) {
      return { seen, aborted: error?.name };
    }
    return { seen };
  },
  async 'fetch-ollama-by-shape'(name) {
    // Ollama's native API on a port (the simulator's) and host (127.0.0.1) that say nothing of Ollama.
    const response = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...schedule },
      body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hello' }], options: { temperature: 0.1 } }),
    });
    return { sha: sha256(Buffer.from(await response.arrayBuffer())) };
  },
  async 'fetch-api-chat-not-ollama'(name) {
    // The service's own chat backend: an Ollama-looking request, answered in another shape.
    const response = await fetch(`${process.env.PLAIN_URL}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hello' }] }),
    });
    return { body: await response.text() };
  },
  async 'fetch-ollama-chat'(name) {
    const response = await fetch(`${process.env.OLLAMA_URL}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...schedule },
      body: JSON.stringify({ model: name, messages: [{ role: 'user', content: 'hello' }], options: { temperature: 0.1, num_predict: 100 } }),
    });
    return { sha: sha256(Buffer.from(await response.arrayBuffer())) };
  },
  async 'fetch-secrets'(name) {
    const response = await fetch(`${base}/v1/chat/completions?api-key=sk-query-SECRET&api-version=2024-10-21`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bearer-SECRET', 'x-api-key': 'sk-xapi-SECRET', 'api-key': 'sk-azure-SECRET' },
      body: JSON.stringify(chat(name)),
    });
    await response.text();
  },
  async 'fetch-replay'(name) {
    // Replays a real recorded response; the app hashes exactly the bytes it read.
    const [file] = name.split('|');
    const recording = JSON.parse(readFileSync(`${process.env.RECORDINGS_DIR}/${file}`, 'utf8'));
    const response = await fetch(`${base}${new URL(recording.request.url).pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-replay': file, 'x-sim-interval-ms': '1' },
      body: JSON.stringify(recording.request.body ?? {}), // a stream's chunks may come without their request
    });
    const reader = response.body.getReader();
    const parts = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
    }
    return { sha: sha256(Buffer.concat(parts)) };
  },
};

for (const name of process.env.SCENARIOS.split(',')) {
  const scenario = scenarios[name.split('|')[0]] ?? scenarios[name.includes('.json') ? 'fetch-replay' : name];
  try {
    const result = await scenario(name);
    console.log('RESULT ' + JSON.stringify({ name, ok: true, ...result }));
  } catch (error) {
    console.log('RESULT ' + JSON.stringify({ name, ok: false, error: error?.constructor?.name, status: error?.status }));
  }
}
