// Server-sent events, decoded by eventsource-parser (spec-complete: CR/LF variants, multi-line
// data, comments, BOM). Bytes go through one streaming TextDecoder so a UTF-8 character split
// across chunks decodes whole.
import { createParser } from 'eventsource-parser';
import { guardHandler, MAX_PENDING_CHARS, STREAMING, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

/** Ends an unfinished last line and event, for bodies that stop without the blank line. */
const FLUSH = '\n\n';

export function createSseDecoder(onEvent: StreamEventHandler): StreamDecoder {
  const handle = guardHandler(onEvent);
  const text = new TextDecoder();
  const parser = createParser({
    onEvent: (message) => handle(message.data, message.event),
    maxBufferSize: MAX_PENDING_CHARS,
  });
  // Set once the body ended or the parser gave up (it throws on every feed after an overflow).
  let stopped = false;

  return {
    push(chunk) {
      if (stopped) return;
      try {
        parser.feed(text.decode(chunk, STREAMING));
      } catch {
        stopped = true;
      }
    },
    end() {
      if (stopped) return;
      stopped = true;
      try {
        parser.feed(text.decode() + FLUSH);
      } catch {
        // Nothing left to save: the body is over.
      }
    },
  };
}
