// The part that OpenAI chat completions and legacy completions share: a body (or stream chunk) of
// `{id, model, choices: [{index, finish_reason, ...}], usage, error}`. The two differ only in where
// a choice keeps its generated text, which each declares in a ChoiceFormat.
import type { KeyedFastPath, ParseOptions, ProviderParser, ResponseFacts } from './types.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { nonNullValue, objectValue, type KeyPattern } from './json-scan.js';
import { OPENAI_USAGE, readUsage } from './usage.js';
import { errorTypeOf } from './error-type.js';
import { readRequestWith, requestFieldsOf, type RequestShape } from './request-params.js';
import { requestUsageInStream } from './stream-usage.js';
import { setFinishReason } from './finish-reasons.js';

export interface ChoiceFormat {
  request: RequestShape;
  /** Whether one parsed stream choice carries generated content. */
  choiceHasContent(choice: JsonObject): boolean;
  /** The text of one choice, for content capture: `streamed` selects the delta form. */
  choiceText(choice: JsonObject, streamed: boolean): string | undefined;
  /**
   * Patterns for the same answer as choiceHasContent over every choice, found by scanning the
   * raw chunk text. Must agree with the parsed answer (the tests compare both on many chunks).
   */
  contentPatterns: readonly KeyPattern[];
}

function readChoiceFinish(choice: JsonObject, facts: ResponseFacts): void {
  const reason = stringOrUndefined(choice.finish_reason);
  if (reason !== undefined) setFinishReason(facts, choice.index, reason);
}

/** id, model, finish reasons, usage and error of one body or chunk. */
function readEnvelope(body: JsonObject, facts: ResponseFacts): readonly unknown[] {
  const id = stringOrUndefined(body.id);
  if (id !== undefined) facts.responseId = id;
  const model = stringOrUndefined(body.model);
  if (model !== undefined) facts.responseModel = model;
  const choices = arrayOrEmpty(body.choices);
  for (const choice of choices) if (isObject(choice)) readChoiceFinish(choice, facts);
  readUsage(body.usage, OPENAI_USAGE, facts);
  if (body.error !== undefined && body.error !== null) facts.errorType = errorTypeOf(body.error);
  return choices;
}

function isFirstChoice(choice: JsonObject): boolean {
  return (numberOrUndefined(choice.index) ?? 0) === 0;
}

/**
 * A chunk can change the facts only through a finish reason, usage or an error; every other
 * chunk of a known stream is decided by a scan alone.
 */
const FACT_PATTERNS: readonly KeyPattern[] = [nonNullValue('finish_reason', 'error'), objectValue('usage')];

export function createChoicesParser(format: ChoiceFormat): ProviderParser {
  /** The first chunk (id, model) and any chunk that may carry facts are parsed; the rest are settled by a scan. */
  const fastPath: KeyedFastPath = {
    kind: 'keys',
    parseUntil: ['responseId', 'responseModel'],
    facts: FACT_PATTERNS,
    content: format.contentPatterns,
    // Random padding the API adds to every chunk since 2025 (stream_options.include_obfuscation).
    volatile: ['obfuscation'],
  };

  function appendText(choice: JsonObject, streamed: boolean, facts: ResponseFacts): void {
    // Only the first choice is captured: with n > 1 the texts would otherwise interleave.
    if (!isFirstChoice(choice)) return;
    const text = format.choiceText(choice, streamed);
    if (text) facts.outputText = (facts.outputText ?? '') + text;
  }

  return {
    readRequest: (body, options) => readRequestWith(format.request, body, options),
    requestFields: requestFieldsOf(format.request),

    readResponse(body: unknown, facts: ResponseFacts, options: ParseOptions): void {
      if (!isObject(body)) return;
      const choices = readEnvelope(body, facts);
      if (!options.captureContent) return;
      for (const choice of choices) if (isObject(choice)) appendText(choice, false, facts);
    },

    readEvent(data: string, _event: string | undefined, facts: ResponseFacts, options: ParseOptions): boolean {
      if (data === '[DONE]') return false;
      const chunk = parseJson(data);
      if (!isObject(chunk)) return false;
      let hasContent = false;
      for (const choice of readEnvelope(chunk, facts)) {
        if (!isObject(choice) || !format.choiceHasContent(choice)) continue;
        hasContent = true;
        if (options.captureContent) appendText(choice, true, facts);
      }
      return hasContent;
    },

    fastPath,

    requestUsageInStream,
  };
}
