// Ollama's native NDJSON API, /api/chat and /api/generate, through the decoder.
import { describe, expect, it } from 'vitest';
import { ollamaParser as parser } from '../../agent/providers/ollama.js';
import { createStreamDecoder } from './stream-decoder.js';
import { emptyResponseFacts, type ParseOptions, type ResponseFacts } from '../../agent/providers/types.js';
import {
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_STREAM,
  GEN_AI_REQUEST_TEMPERATURE,
} from '../../agent/semconv.js';
import { cutPlans } from './recordings.js';

const SCAN: ParseOptions = { captureContent: false };
const CAPTURE: ParseOptions = { captureContent: true };

const chatLine = (content: string, extra: object = {}): string =>
  JSON.stringify({ model: 'llama3.2', created_at: '2025-01-01T00:00:00Z', message: { role: 'assistant', content }, done: false, ...extra });

const CHAT_STREAM = [
  chatLine('', { message: { role: 'assistant', content: '', thinking: 'Hmm' } }),
  chatLine('The'),
  chatLine(' sky'),
  chatLine('', { message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { a: 1 } } }] } }),
  chatLine(''),
  JSON.stringify({ model: 'llama3.2', created_at: '2025-01-01T00:00:01Z', message: { role: 'assistant', content: '' }, done: true, done_reason: 'length', total_duration: 5e9, prompt_eval_count: 26, eval_count: 298 }),
].join('\n') + '\n';

function run(body: string, cuts: readonly number[], options = SCAN): { facts: ResponseFacts; content: boolean[] } {
  const facts = emptyResponseFacts();
  const content: boolean[] = [];
  const decoder = createStreamDecoder('ndjson', (data, event) => content.push(parser.readEvent(data, event, facts, options)));
  const bytes = new TextEncoder().encode(body);
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    decoder.push(bytes.subarray(start, cut));
    start = cut;
  }
  decoder.end();
  return { facts, content };
}

describe('Ollama chat stream', () => {
  it('reads content lines, the done line and token counts at every cut', () => {
    const bytes = new TextEncoder().encode(CHAT_STREAM).length;
    for (const cuts of cutPlans(bytes, 20)) {
      const { facts, content } = run(CHAT_STREAM, cuts);
      expect(content).toEqual([true, true, true, true, false, false]);
      expect(facts).toEqual({ responseModel: 'llama3.2', finishReasons: ['length'], inputTokens: 26, outputTokens: 298 });
    }
  });

  it('captures the visible text', () => {
    expect(run(CHAT_STREAM, [], CAPTURE).facts.outputText).toBe('The sky');
  });

  it('handles "key": value spacing and a last line without newline', () => {
    const spaced = CHAT_STREAM.replaceAll('":', '": ').trimEnd();
    expect(run(spaced, []).content).toEqual([true, true, true, true, false, false]);
    expect(run(spaced, []).facts.finishReasons).toEqual(['length']);
  });

  it('records an error line as _OTHER, never its message', () => {
    const { facts, content } = run(`${chatLine('Hi')}\n{"error":"model 'x' not found"}\n`, []);
    expect(content).toEqual([true, false]);
    expect(facts.errorType).toBe('_OTHER');
  });
});

describe('Ollama generate', () => {
  it('reads response text, and a non-stream body', () => {
    const facts = emptyResponseFacts();
    expect(parser.readEvent('{"model":"qwen3","response":"","thinking":"Let me","done":false}', undefined, facts, SCAN)).toBe(true);
    expect(parser.readEvent('{"model":"qwen3","response":"Hi","done":false}', undefined, facts, SCAN)).toBe(true);
    expect(parser.readEvent('{"model":"qwen3","response":"","done":false}', undefined, facts, SCAN)).toBe(false);
    const whole = emptyResponseFacts();
    parser.readResponse({ model: 'qwen3', response: 'Hello!', done: true, done_reason: 'stop', context: [1, 2], prompt_eval_count: 4, eval_count: 3 }, whole, CAPTURE);
    expect(whole).toEqual({ responseModel: 'qwen3', finishReasons: ['stop'], inputTokens: 4, outputTokens: 3, outputText: 'Hello!' });
  });

  it('reads options, streams by default, and system and prompt when capturing', () => {
    const body = { model: 'qwen3', prompt: 'Why?', system: 'Be terse.', options: { num_predict: 64, temperature: 0.7, seed: 3, stop: 'END' } };
    const facts = parser.readRequest(body, CAPTURE);
    expect(facts).toEqual({
      model: 'qwen3',
      stream: true,
      attributes: {
        [GEN_AI_REQUEST_MAX_TOKENS]: 64,
        [GEN_AI_REQUEST_TEMPERATURE]: 0.7,
        [GEN_AI_REQUEST_SEED]: 3,
        [GEN_AI_REQUEST_STOP_SEQUENCES]: ['END'],
        [GEN_AI_REQUEST_STREAM]: true,
      },
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'Why?' }] }],
      systemInstructions: [{ type: 'text', content: 'Be terse.' }],
    });
    expect(parser.readRequest({ model: 'qwen3', messages: [], stream: false }, SCAN).stream).toBe(false);
  });
});
