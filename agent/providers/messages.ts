// Prompt messages in the GenAI conventions' shape (gen_ai.input.messages / gen_ai.system_instructions):
// `{role, parts: [{type: 'text', content}, ...]}`. Read only when content capture is on, so these
// helpers favour clarity over speed. Each wire format maps its own block kinds onto these parts.
import { arrayOrEmpty, isObject, stringOrUndefined, type JsonObject } from './json.js';

export interface TextPart {
  type: 'text';
  content: string;
}

export interface ToolCallPart {
  type: 'tool_call';
  id?: string;
  name?: string;
  arguments?: unknown;
}

export interface ToolCallResponsePart {
  type: 'tool_call_response';
  id?: string;
  response: unknown;
}

export type MessagePart = TextPart | ToolCallPart | ToolCallResponsePart;

export interface ChatMessage {
  role: string;
  parts: MessagePart[];
}

/** Maps one provider-specific content block to a part; undefined skips it (images, audio, ...). */
export type BlockMapper = (block: JsonObject) => MessagePart | undefined;

export function textPart(content: string): TextPart {
  return { type: 'text', content };
}

/** The block kinds every format writes the same way: `{type: 'text' | 'input_text' | 'output_text', text}`. */
export const textBlockToPart: BlockMapper = (block) => {
  const text = stringOrUndefined(block.text);
  return text !== undefined && (block.type === 'text' || block.type === 'input_text' || block.type === 'output_text')
    ? textPart(text)
    : undefined;
};

/** Message content that is either a plain string or an array of typed blocks. */
export function contentToParts(content: unknown, mapBlock: BlockMapper = textBlockToPart): MessagePart[] {
  if (typeof content === 'string') return [textPart(content)];
  const parts: MessagePart[] = [];
  for (const block of arrayOrEmpty(content)) {
    if (typeof block === 'string') parts.push(textPart(block));
    else if (isObject(block)) {
      const part = mapBlock(block);
      if (part !== undefined) parts.push(part);
    }
  }
  return parts;
}

/** OpenAI-style tool calls (`[{id, function: {name, arguments}}]`, Ollama's too) as parts. */
export function toolCallsToParts(toolCalls: unknown): ToolCallPart[] {
  const parts: ToolCallPart[] = [];
  for (const call of arrayOrEmpty(toolCalls)) {
    if (!isObject(call)) continue;
    const fn = isObject(call.function) ? call.function : {};
    parts.push({
      type: 'tool_call',
      id: stringOrUndefined(call.id),
      name: stringOrUndefined(fn.name),
      arguments: fn.arguments,
    });
  }
  return parts;
}

/**
 * A `messages` array where each message has a role, a content and maybe tool calls (OpenAI chat,
 * Ollama chat); a `tool` message becomes a tool_call_response part.
 */
export function chatMessagesToInput(messages: unknown, mapBlock: BlockMapper = textBlockToPart): ChatMessage[] {
  const result: ChatMessage[] = [];
  for (const message of arrayOrEmpty(messages)) {
    if (!isObject(message)) continue;
    const role = stringOrUndefined(message.role) ?? 'user';
    const parts: MessagePart[] =
      role === 'tool'
        ? [{ type: 'tool_call_response', id: stringOrUndefined(message.tool_call_id), response: message.content }]
        : contentToParts(message.content, mapBlock);
    parts.push(...toolCallsToParts(message.tool_calls));
    result.push({ role, parts });
  }
  return result;
}

/** A prompt given as a string or array of strings (legacy completions, Ollama generate). */
export function promptToInput(prompt: unknown): ChatMessage[] | undefined {
  const parts = contentToParts(prompt);
  return parts.length > 0 ? [{ role: 'user', parts }] : undefined;
}
