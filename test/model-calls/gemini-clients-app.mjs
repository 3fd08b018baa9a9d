// A service that calls Gemini through the real @google/genai client (the Gemini API, Vertex AI with
// a project and location, Vertex AI express mode) and plain fetch (the JSON array stream without
// alt=sse, Claude on Vertex AI). Each scenario uses its own model name so the test can find its
// span; each prints one RESULT line.
import { GoogleGenAI } from '@google/genai';
import { createHash } from 'node:crypto';

const base = process.env.SIM_URL;
const schedule = { 'x-sim-first-chunk-ms': '150', 'x-sim-interval-ms': '20', 'x-sim-chunks': '10' };
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
/** Wall-clock milliseconds at sub-millisecond resolution, on the same clock the spans use. */
const epochMs = () => performance.timeOrigin + performance.now();

// The Gemini API: the key goes in x-goog-api-key.
const gemini = (headers = {}) => new GoogleGenAI({ apiKey: 'AIza-SECRET-gemini', httpOptions: { baseUrl: base, headers } });
// Vertex AI with a project and location: Google auth, here a client that hands out a fixed token
// (offline: no metadata server, no credentials file), through googleAuthOptions.authClient.
const fixedToken = { getRequestHeaders: async () => new Headers({ authorization: 'Bearer ya29.SECRET-vertex-token' }) };
const vertex = (headers = {}) =>
  new GoogleGenAI({ vertexai: true, project: 'p1', location: 'us-central1', googleAuthOptions: { authClient: fixedToken }, httpOptions: { baseUrl: base, headers } });
// Vertex AI express mode: an API key and no project (publishers/google/models/… without projects/…).
const express = (headers = {}) => new GoogleGenAI({ vertexai: true, apiKey: 'AQ-SECRET-express', httpOptions: { baseUrl: base, headers } });

const contents = [{ role: 'user', parts: [{ text: 'say hello to the world' }] }];

/** Reads an SDK stream's text, and when the app first got content (the upper bound of a true TTFT). */
async function readStream(stream) {
  let text = '';
  let firstContentReadAt = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    const delta = chunk.text ?? '';
    if (delta && firstContentReadAt === null) firstContentReadAt = epochMs();
    text += delta;
  }
  return { text, firstContentReadAt, chunks };
}

/**
 * Reads a fetch body to its end, or to the error that ends it: its bytes, as the app got them, and
 * when it first read a piece holding `contentMark` (any piece, by default).
 */
async function readBody(response, contentMark = '') {
  const reader = response.body.getReader();
  const parts = [];
  let firstContentReadAt = null;
  let error = null;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (firstContentReadAt === null && Buffer.from(value).includes(contentMark)) firstContentReadAt = epochMs();
      parts.push(value);
    }
  } catch (e) {
    error = e?.cause?.code ?? e?.code ?? e?.name;
  }
  const bytes = Buffer.concat(parts);
  return { bytes, sha: sha256(bytes), firstContentReadAt, error };
}

const scenarios = {
  async 'gemini-generate'(model) {
    const result = await gemini({ 'x-sim-chunks': '7' }).models.generateContent({
      model,
      contents: 'say hello',
      config: { maxOutputTokens: 64, temperature: 0.2, topP: 0.9, topK: 20, stopSequences: ['END'], seed: 5, thinkingConfig: { thinkingBudget: 12 }, cachedContent: 'cachedContents/c-1' },
    });
    return { text: result.text, usage: result.usageMetadata, responseId: result.responseId };
  },
  async 'gemini-stream'(model) {
    const stream = await gemini(schedule).models.generateContentStream({ model, contents: 'say hello', config: { maxOutputTokens: 100 } });
    return readStream(stream);
  },
  async 'gemini-embed'(model) {
    const result = await gemini().models.embedContent({ model, contents: ['one', 'two'], config: { outputDimensionality: 16 } });
    return { vectors: result.embeddings.length, dims: result.embeddings[0].values.length };
  },
  async 'gemini-429'(model) {
    await gemini({ 'x-sim-error': '429' }).models.generateContent({ model, contents: 'hi' });
  },
  async 'gemini-abort'(model) {
    const controller = new AbortController();
    const stream = await gemini({ ...schedule, 'x-sim-chunks': '50' }).models.generateContentStream({ model, contents: 'hi', config: { abortSignal: controller.signal } });
    let seen = 0;
    try {
      for await (const chunk of stream) if (chunk.text && ++seen === 3) controller.abort();
    } catch (error) {
      return { seen, aborted: error?.name };
    }
    return { seen, aborted: null };
  },
  async 'vertex-generate'(model) {
    const result = await vertex({ 'x-sim-chunks': '6' }).models.generateContent({ model, contents: 'say hello', config: { temperature: 0.5 } });
    return { text: result.text, usage: result.usageMetadata };
  },
  async 'vertex-stream'(model) {
    return readStream(await vertex(schedule).models.generateContentStream({ model, contents: 'say hello' }));
  },
  async 'vertex-express'(model) {
    const result = await express({ 'x-sim-chunks': '4' }).models.generateContent({ model, contents: 'say hello' });
    return { text: result.text, usage: result.usageMetadata };
  },
  async 'fetch-gemini-array'(model) {
    // The JSON array stream (no alt=sse), with the key in the query as Google's REST docs show it.
    const response = await fetch(`${base}/v1beta/models/${model}:streamGenerateContent?key=AIza-SECRET-query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...schedule },
      body: JSON.stringify({ contents, generationConfig: { maxOutputTokens: 100, thinkingConfig: { thinkingBudget: 7 } } }),
    });
    const { bytes, sha, firstContentReadAt, error } = await readBody(response);
    const elements = JSON.parse(bytes.toString('utf8'));
    return { sha, firstContentReadAt, error, elements: elements.length, text: elements.map((e) => e.candidates[0].content.parts[0].text).join('') };
  },
  async 'fetch-gemini-truncate'(model) {
    const response = await fetch(`${base}/v1beta/models/${model}:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...schedule, 'x-sim-error': 'truncate' },
      body: JSON.stringify({ contents }),
    });
    const { bytes, error } = await readBody(response);
    return { error, length: bytes.length };
  },
  async 'fetch-vertex-claude'(model) {
    const response = await fetch(`${base}/v1/projects/p1/locations/us-east5/publishers/anthropic/models/${model}:streamRawPredict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ya29.SECRET-claude', ...schedule },
      body: JSON.stringify({ anthropic_version: 'vertex-2023-10-16', stream: true, max_tokens: 128, messages: [{ role: 'user', content: 'hello' }] }),
    });
    // Anthropic's message_start goes out at once; the content comes in content_block_delta events.
    const { firstContentReadAt } = await readBody(response, 'content_block_delta');
    return { firstContentReadAt };
  },
  async 'fetch-replay'(name) {
    // A recording from the replay directory, sent byte for byte; the app hashes exactly what it read.
    const [file, path] = name.split('|');
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-replay': file, 'x-sim-interval-ms': '5' },
      body: JSON.stringify({ contents }),
    });
    const { sha, error } = await readBody(response);
    return { sha, error };
  },
};

for (const name of process.env.SCENARIOS.split(',')) {
  const scenario = scenarios[name.includes('|') ? 'fetch-replay' : name];
  try {
    const result = await scenario(name);
    console.log('RESULT ' + JSON.stringify({ name, ok: true, ...result }));
  } catch (error) {
    console.log('RESULT ' + JSON.stringify({ name, ok: false, error: error?.constructor?.name, status: error?.status }));
  }
}
