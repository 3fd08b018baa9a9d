import { describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens } from '../../demo/simulator/index.js';
import { post, useSimulator } from './helpers.js';

const sim = useSimulator();
const messages = [{ role: 'user', content: 'Why is the sky blue?' }];

function ndjson(text: string) {
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line));
}

describe('Ollama native API', () => {
  it('streams /api/chat as NDJSON by default, the last line done with counts and done_reason', async () => {
    const response = await post(sim.current, '/api/chat', { model: 'llama3.2', messages }, { 'x-sim-chunks': '3' });
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = ndjson(await response.text());
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => l.message.content)).toEqual(generatedTokens(3));
    expect(lines.slice(0, 3).every((l) => l.done === false && l.model === 'llama3.2')).toBe(true);
    expect(lines[3]).toMatchObject({
      done: true,
      done_reason: 'stop',
      prompt_eval_count: countPromptTokens({ messages }),
      eval_count: 3,
      message: { role: 'assistant', content: '' },
    });
    expect(lines[3].total_duration).toBeGreaterThan(0);
  });

  it('streams /api/generate with `response` fields and honours options.num_predict', async () => {
    const response = await post(sim.current, '/api/generate', {
      model: 'llama3.2',
      prompt: 'Why is the sky blue?',
      options: { num_predict: 2 },
    });
    const lines = ndjson(await response.text());
    expect(lines.map((l) => l.response)).toEqual([...generatedTokens(2), '']);
    expect(lines[2]).toMatchObject({ done: true, done_reason: 'length', eval_count: 2 });
    expect(Array.isArray(lines[2].context)).toBe(true);
  });

  it('answers one JSON object with stream: false', async () => {
    const response = await post(sim.current, '/api/chat', { model: 'llama3.2', messages, stream: false });
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = await response.json();
    expect(body).toMatchObject({
      model: 'llama3.2',
      message: { role: 'assistant', content: generatedTokens(5).join('') },
      done: true,
      eval_count: 5,
    });
  });

  it('leaves the counts out of the final line with x-sim-usage: omit', async () => {
    const response = await post(sim.current, '/api/chat', { model: 'llama3.2', messages }, { 'x-sim-usage': 'omit' });
    const last = ndjson(await response.text()).at(-1);
    expect(last.done).toBe(true);
    expect(last).not.toHaveProperty('eval_count');
    expect(last).not.toHaveProperty('prompt_eval_count');
  });
});
