// Newline-delimited JSON (Ollama): one event per line. Lines may be split across chunks, and the
// last one may lack its newline; blank lines are skipped.
import { guardHandler, MAX_PENDING_CHARS, STREAMING, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

const NEWLINE = '\n';
const CARRIAGE_RETURN = 13;

export function createNdjsonDecoder(onEvent: StreamEventHandler): StreamDecoder {
  const handle = guardHandler(onEvent);
  const text = new TextDecoder();
  /** The start of a line whose newline has not arrived yet. */
  let pending = '';
  /** Dropping an over-long line until its newline. */
  let skipping = false;
  let ended = false;

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

  return {
    push(chunk) {
      if (ended) return;
      try {
        consume(text.decode(chunk, STREAMING));
      } catch {
        ended = true; // not bytes: stop rather than misread the rest
      }
    },
    end() {
      if (ended) return;
      ended = true;
      try {
        const rest = pending + text.decode();
        pending = '';
        if (rest !== '') emit(rest);
      } catch {
        // Nothing left to save: the body is over.
      }
    },
  };
}
