// Newline-delimited JSON (Ollama): one event per line. Lines may be split across chunks, and the
// last one may lack its newline; blank lines are skipped.
import { guardHandler, MAX_PENDING_CHARS, textStreamDecoder, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

const NEWLINE = '\n';
const CARRIAGE_RETURN = 13;

export function createNdjsonDecoder(onEvent: StreamEventHandler): StreamDecoder {
  const handle = guardHandler(onEvent);
  /** The start of a line whose newline has not arrived yet. */
  let pending = '';
  /** Dropping an over-long line until its newline. */
  let skipping = false;

  function emit(line: string): void {
    if (skipping) {
      skipping = false;
      return;
    }
    const end = line.charCodeAt(line.length - 1) === CARRIAGE_RETURN ? line.length - 1 : line.length;
    const trimmed = end === line.length ? line : line.slice(0, end);
    if (trimmed.trim() !== '') handle(trimmed, undefined);
  }

  function consume(chunk: string): void {
    let newline = chunk.indexOf(NEWLINE);
    if (newline === -1) {
      pending += chunk;
    } else {
      emit(pending + chunk.slice(0, newline));
      let start = newline + 1;
      while ((newline = chunk.indexOf(NEWLINE, start)) !== -1) {
        emit(chunk.slice(start, newline));
        start = newline + 1;
      }
      pending = chunk.slice(start);
    }
    if (pending.length > MAX_PENDING_CHARS) {
      pending = '';
      skipping = true;
    }
  }

  return textStreamDecoder(consume, (decoded) => {
    const rest = pending + decoded;
    pending = '';
    if (rest !== '') emit(rest);
  });
}
