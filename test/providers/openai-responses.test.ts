// OpenAI Responses: typed events with and without `event:` lines, finish reasons from status,
// in-stream errors, and non-stream bodies.
import { describe, expect, it } from 'vitest';
import { openAiResponsesParser as parser } from '../../agent/providers/openai-responses.js';
import { emptyResponseFacts, type ParseOptions } from '../../agent/providers/types.js';
import { GEN_AI_REQUEST_MAX_TOKENS } from '../../agent/semconv.js';

const SCAN: ParseOptions = { captureContent: false };
const CAPTURE: ParseOptions = { captureContent: true };

const response = (status: string, extra: object = {}): object => ({
  id: 'resp_1',
  object: 'response',
  status,
  model: 'gpt-5-mini',
  output: [],
  usage: { input_tokens: 30, input_tokens_details: { cached_tokens: 8 }, output_tokens: 90, output_tokens_details: { reasoning_tokens: 64 } },
  ...extra,
});

describe('OpenAI Responses stream events', () => {
  it('marks delta events with text as content, with or without the event name', () => {
    const cases: [object, boolean][] = [
      [{ type: 'response.output_text.delta', delta: 'Hi', item_id: 'm', output_index: 0 }, true],
      [{ type: 'response.output_text.delta', delta: '' }, false],
      [{ type: 'response.function_call_arguments.delta', delta: '{"a"' }, true],
      [{ type: 'response.reasoning_summary_text.delta', delta: 'Thinking' }, true],
      [{ type: 'response.reasoning_text.delta', delta: 'Thinking' }, true],
      [{ type: 'response.refusal.delta', delta: 'No' }, true],
      [{ type: 'response.output_text.done', text: 'Hi' }, false],
      [{ type: 'response.output_item.added', item: { type: 'message', content: [] } }, false],
      [{ type: 'response.content_part.added', part: { type: 'output_text', text: '' } }, false],
    ];
    for (const [event, expected] of cases) {
      const data = JSON.stringify(event);
      const name = (event as { type: string }).type;
      for (const [eventName, options] of [[name, SCAN], [undefined, SCAN], [undefined, CAPTURE]] as const) {
        expect({ data, eventName, content: parser.readEvent(data, eventName, emptyResponseFacts(), options) }).toEqual({ data, eventName, content: expected });
      }
    }
  });

  it('reads id, model, usage and a stop finish reason from response.completed', () => {
    const facts = emptyResponseFacts();
    parser.readEvent(JSON.stringify({ type: 'response.created', response: response('in_progress', { usage: null }) }), 'response.created', facts, SCAN);
    expect(facts).toEqual({ responseId: 'resp_1', responseModel: 'gpt-5-mini', finishReasons: [] });
    parser.readEvent(JSON.stringify({ type: 'response.completed', response: response('completed') }), 'response.completed', facts, SCAN);
    expect(facts).toEqual({
      responseId: 'resp_1',
      responseModel: 'gpt-5-mini',
      finishReasons: ['stop'],
      inputTokens: 30,
      cacheReadInputTokens: 8,
      outputTokens: 90,
      reasoningOutputTokens: 64,
    });
  });

  it('finds the type of a reordered event whose first "type" key is nested', () => {
    const facts = emptyResponseFacts();
    const reordered = `{"response":{"output":[{"type":"function_call","name":"f"}],"id":"resp_2","status":"completed"},"type":"response.completed"}`;
    expect(parser.readEvent(reordered, undefined, facts, SCAN)).toBe(false);
    expect(facts).toMatchObject({ responseId: 'resp_2', finishReasons: ['tool_calls'] });
  });

  it('gives the reason of an incomplete response and the code of a failed one or an error event', () => {
    const incomplete = emptyResponseFacts();
    parser.readEvent(JSON.stringify({ type: 'response.incomplete', response: response('incomplete', { incomplete_details: { reason: 'max_output_tokens' } }) }), undefined, incomplete, SCAN);
    expect(incomplete.finishReasons).toEqual(['max_output_tokens']);
    const failed = emptyResponseFacts();
    parser.readEvent(JSON.stringify({ type: 'response.failed', response: response('failed', { error: { code: 'server_error', message: 'x' } }) }), 'response.failed', failed, SCAN);
    expect(failed).toMatchObject({ finishReasons: ['failed'], errorType: 'server_error' });
    const error = emptyResponseFacts();
    expect(parser.readEvent('{"type": "error", "code": "rate_limit_exceeded", "message": "slow", "param": null}', 'error', error, SCAN)).toBe(false);
    expect(error.errorType).toBe('rate_limit_exceeded');
  });

  it('ignores [DONE] and malformed events', () => {
    for (const data of ['[DONE]', '{"type":"response.completed","response":', 'garbage']) {
      const facts = emptyResponseFacts();
      expect(parser.readEvent(data, undefined, facts, SCAN)).toBe(false);
      expect(facts).toEqual(emptyResponseFacts());
    }
  });
});

describe('OpenAI Responses body and request', () => {
  it('reads a non-stream response and its output text', () => {
    const facts = emptyResponseFacts();
    const body = response('completed', {
      output: [
        { type: 'reasoning', summary: [] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Paris.', annotations: [] }] },
      ],
    });
    parser.readResponse(body, facts, CAPTURE);
    expect(facts).toMatchObject({ responseId: 'resp_1', finishReasons: ['stop'], outputText: 'Paris.', inputTokens: 30 });
  });

  it('reads max_output_tokens, instructions and input items', () => {
    const body = {
      model: 'gpt-5-mini',
      max_output_tokens: 300,
      instructions: 'Answer briefly.',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
        { type: 'function_call', call_id: 'c1', name: 'weather', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: '18C' },
      ],
    };
    const facts = parser.readRequest(body, CAPTURE);
    expect(facts.attributes[GEN_AI_REQUEST_MAX_TOKENS]).toBe(300);
    expect(facts.systemInstructions).toEqual([{ type: 'text', content: 'Answer briefly.' }]);
    expect(facts.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'weather', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: '18C' }] },
    ]);
  });
});
