// Shared by the simulator's tests: one simulator per test file, SDK clients pointed at it.
import Anthropic, { type ClientOptions as AnthropicOptions } from '@anthropic-ai/sdk';
import OpenAI, { type ClientOptions } from 'openai';
import { afterAll, beforeAll } from 'vitest';
import { type ModelSimulator, type ModelSimulatorOptions, startModelSimulator } from '../../demo/simulator/index.js';

export const RECORDINGS_DIR = new URL('../fixtures/provider-recordings/', import.meta.url).pathname;

/** Starts a simulator before the file's tests and closes it after; read `.current` inside tests. */
export function useSimulator(options: ModelSimulatorOptions = {}): { current: ModelSimulator } {
  const holder = {} as { current: ModelSimulator };
  beforeAll(async () => {
    holder.current = await startModelSimulator({ replayDir: RECORDINGS_DIR, ...options });
  });
  afterAll(() => holder.current?.close());
  return holder;
}

type Headers = Record<string, string>;

export function openAIClient(sim: ModelSimulator, headers: Headers = {}, options: ClientOptions = {}): OpenAI {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'test', maxRetries: 0, defaultHeaders: headers, ...options });
}

export function anthropicClient(sim: ModelSimulator, headers: Headers = {}, options: AnthropicOptions = {}): Anthropic {
  return new Anthropic({ baseURL: sim.url, apiKey: 'test', maxRetries: 0, defaultHeaders: headers, ...options });
}

/** The call record the simulator made for the response carrying this x-request-id. */
export function recordOf(sim: ModelSimulator, requestId: string | null) {
  const record = sim.calls.find((call) => call.id === requestId);
  if (!record) throw new Error(`no call record for request id ${requestId}`);
  return record;
}

export function now(): number {
  return performance.timeOrigin + performance.now();
}

/** POSTs JSON with plain fetch. */
export function post(sim: ModelSimulator, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** Parses an SSE body into its events (event name, if any, and parsed data). */
export function sseEvents(text: string): { event: string | undefined; data: string }[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
      const data = lines
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      return { event, data };
    });
}

/** Waits until `check` holds (for records finished by the server after the client returned). */
export async function eventually(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
