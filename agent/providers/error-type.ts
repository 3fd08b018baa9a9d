// error.type for an error reported inside a response body or stream. The conventions want a low-
// cardinality identifier, never a message: the provider's error type or code, else `_OTHER`.
import { isObject } from './json.js';

/** The fallback the conventions prescribe when no type is known. */
export const OTHER_ERROR_TYPE = '_OTHER';

/** `{type, code, message}` (OpenAI, Anthropic's inner error, vLLM) → type, else code, else `_OTHER`. */
export function errorTypeOf(error: unknown): string {
  if (!isObject(error)) return OTHER_ERROR_TYPE;
  if (typeof error.type === 'string' && error.type !== '') return error.type;
  if (typeof error.code === 'string' && error.code !== '') return error.code;
  if (typeof error.code === 'number') return String(error.code);
  return OTHER_ERROR_TYPE;
}
