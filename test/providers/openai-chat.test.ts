// OpenAI chat and legacy completion chunks: what is content, what are facts, and that the
// string-scan path agrees with the parse path on every shape servers are known to send.
import { describe, expect, it } from 'vitest';
import { openAiChatParser } from '../../agent/providers/openai-chat.js';
import { openAiCompletionsParser } from '../../agent/providers/openai-completions.js';
import { emptyResponseFacts, type ProviderParser, type ResponseFacts } from '../../agent/providers/types.js';

const SCAN = { captureContent: false };
const PARSE = { captureContent: true };

/** Facts as they are after a stream's first chunk, so that readEvent may take the scan path. */
function knownStream(): ResponseFacts {
  return { ...emptyResponseFacts(), responseId: 'chatcmpl-1', responseModel: 'gpt-4o-mini' };
}

/** Reads one event on both paths and insists they agree on content and on facts. */
function readBoth(parser: ProviderParser, data: string): { content: boolean; facts: ResponseFacts } {
  // Primed with the chunk's own id and model, as they would be after the stream's first chunk.
  const { id, model } = JSON.parse(data) as { id: string; model: string };
  const primed = (): ResponseFacts => ({ ...emptyResponseFacts(), responseId: id, responseModel: model });
  const scanFacts = primed();
  const scanned = parser.readEvent(data, undefined, scanFacts, SCAN);
  const parseFacts = primed();
  const parsed = parser.readEvent(data, undefined, parseFacts, PARSE);
  delete parseFacts.outputText;
  expect({ data, content: scanned, facts: scanFacts }).toEqual({ data, content: parsed, facts: parseFacts });
  return { content: scanned, facts: scanFacts };
}

const chunk = (delta: object, extra: object = {}): object => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
  usage: null,
  ...extra,
});

/** The same JSON in the spacing styles servers use: compact, `"key": value`, and pretty-printed. */
function spacings(value: object): string[] {
  const compact = JSON.stringify(value);
  return [compact, compact.replaceAll('":', '": ').replaceAll(',"', ', "'), JSON.stringify(value, null, 2)];
}

describe('OpenAI chat stream events', () => {
  const contentCases: [string, object, boolean][] = [
    ['role-only delta with empty content', chunk({ role: 'assistant', content: '', refusal: null }), false],
    ['null content', chunk({ content: null }), false],
    ['empty delta', chunk({}), false],
    ['text', chunk({ content: 'Atlantic' }), true],
    ['a single space', chunk({ content: ' ' }), true],
    ['role and first text together', chunk({ role: 'assistant', content: 'Hi' }), true],
    ['reasoning_content (DeepSeek, vLLM)', chunk({ reasoning_content: 'thinking', content: null }), true],
    ['reasoning (OpenRouter)', chunk({ reasoning: 'hm', content: '' }), true],
    ['refusal', chunk({ refusal: 'I cannot', content: null }), true],
    ['tool call start', chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }), true],
    ['tool call arguments', chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] }), true],
    ['empty tool_calls array', chunk({ content: '', tool_calls: [] }), false],
    ['text quoting JSON keys', chunk({ content: 'say "content": "" and "finish_reason": "stop"' }), true],
    ['a key ending in an escaped quote and a key name', chunk({ 'say "content': 'x', content: '' }), false],
    ['empty text with logprobs content', chunk({ content: '' }, { choices: [{ index: 0, delta: { content: '' }, logprobs: { content: [{ token: 'x', logprob: -1 }] }, finish_reason: null }] }), false],
    ['usage-only final chunk', { id: 'chatcmpl-1', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } }, false],
  ];

  for (const [name, event, expected] of contentCases) {
    it(`${name}: content ${expected}, in every spacing style`, () => {
      for (const data of spacings(event)) expect(readBoth(openAiChatParser, data).content).toBe(expected);
    });
  }

  it('reads the finish reason and usage whatever the spacing', () => {
    const finish = chunk({}, { choices: [{ index: 0, delta: {}, finish_reason: 'length' }] });
    const usage = {
      id: 'chatcmpl-1',
      model: 'gpt-4o-mini',
      choices: [],
      usage: { prompt_tokens: 11, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 7 } },
    };
    for (const [finishData, usageData] of spacings(finish).map((data, i) => [data, spacings(usage)[i]!] as const)) {
      const facts = knownStream();
      expect(openAiChatParser.readEvent(finishData, undefined, facts, SCAN)).toBe(false);
      expect(openAiChatParser.readEvent(usageData, undefined, facts, SCAN)).toBe(false);
      expect(facts).toEqual({
        ...knownStream(),
        finishReasons: ['length'],
        inputTokens: 11,
        outputTokens: 200,
        cacheReadInputTokens: 3,
        reasoningOutputTokens: 7,
      });
    }
  });

  it('reads id and model from the first chunk, then keeps one finish reason per choice', () => {
    const facts = emptyResponseFacts();
    const first = JSON.stringify(chunk({ role: 'assistant', content: '' }, { id: 'chatcmpl-X', model: 'llama-3-8b' }));
    expect(openAiChatParser.readEvent(first, undefined, facts, SCAN)).toBe(false);
    expect(facts).toMatchObject({ responseId: 'chatcmpl-X', responseModel: 'llama-3-8b' });
    const twoChoices = JSON.stringify({
      id: 'chatcmpl-X',
      choices: [
        { index: 1, delta: {}, finish_reason: 'length' },
        { index: 0, delta: { content: 'end' }, finish_reason: 'stop' },
      ],
    });
    expect(openAiChatParser.readEvent(twoChoices, undefined, facts, SCAN)).toBe(true);
    // A server repeating the finish reason on a later chunk does not add a second one.
    expect(openAiChatParser.readEvent(twoChoices, undefined, facts, SCAN)).toBe(true);
    expect(facts.finishReasons).toEqual(['stop', 'length']);
  });

  it('records an error object inside the stream as error.type (its type, else its code)', () => {
    const facts = knownStream();
    const data = '{"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": null}}';
    expect(openAiChatParser.readEvent(data, undefined, facts, SCAN)).toBe(false);
    expect(facts.errorType).toBe('server_error');
    const vllm = knownStream();
    openAiChatParser.readEvent('{"error":{"message":"x","code":"rate_limit_exceeded"}}', undefined, vllm, SCAN);
    expect(vllm.errorType).toBe('rate_limit_exceeded');
  });

  it('returns false for [DONE] and malformed events, without throwing or changing facts', () => {
    for (const data of ['[DONE]', '{"id":"chatcmpl-1","choices":[{"delta":{"content":"x"', 'not json', '', '{}', '[]', 'null', '{"choices":"nope","usage":5,"error":null}']) {
      const fresh = emptyResponseFacts();
      expect(openAiChatParser.readEvent(data, undefined, fresh, SCAN)).toBe(false);
      expect(fresh).toEqual(emptyResponseFacts());
    }
  });

  it('captures the text of the first choice only', () => {
    const facts = emptyResponseFacts();
    for (const data of [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Hel' }), chunk({ content: 'lo' })]) {
      openAiChatParser.readEvent(JSON.stringify(data), undefined, facts, PARSE);
    }
    openAiChatParser.readEvent(JSON.stringify({ choices: [{ index: 1, delta: { content: 'other' } }] }), undefined, facts, PARSE);
    expect(facts.outputText).toBe('Hello');
  });
});

describe('OpenAI legacy completion stream events', () => {
  const completion = (text: string | null, finish: string | null = null): object => ({
    id: 'cmpl-1',
    object: 'text_completion',
    model: 'gpt-3.5-turbo-instruct',
    choices: [{ text, index: 0, logprobs: null, finish_reason: finish }],
  });

  it('counts non-empty text as content, in every spacing style', () => {
    for (const [event, expected] of [[completion('Once'), true], [completion(''), false], [completion(null), false]] as const) {
      for (const data of spacings(event)) expect(readBoth(openAiCompletionsParser, data).content).toBe(expected);
    }
  });

  it('reads finish reason, usage and captured text', () => {
    const facts = emptyResponseFacts();
    openAiCompletionsParser.readEvent(JSON.stringify(completion('Once')), undefined, facts, PARSE);
    openAiCompletionsParser.readEvent(JSON.stringify(completion(' upon', 'length')), undefined, facts, PARSE);
    openAiCompletionsParser.readEvent(JSON.stringify({ id: 'cmpl-1', choices: [], usage: { prompt_tokens: 3, completion_tokens: 2 } }), undefined, facts, PARSE);
    expect(facts).toEqual({
      responseId: 'cmpl-1',
      responseModel: 'gpt-3.5-turbo-instruct',
      finishReasons: ['length'],
      inputTokens: 3,
      outputTokens: 2,
      outputText: 'Once upon',
    });
  });
});
