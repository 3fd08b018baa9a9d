// The interface both stream decoders implement, and the guard they share.
import { diag } from '@opentelemetry/api';

/** Receives one decoded event: SSE data and `event:` name, or one NDJSON line (event undefined). */
export type StreamEventHandler = (data: string, event: string | undefined) => void;

export interface StreamDecoder {
  /** Feeds the next body chunk, as the app receives it. Never throws. */
  push(chunk: Uint8Array): void;
  /** The body ended: decodes what is left (a final event or line without its terminator). Never throws. */
  end(): void;
}

/**
 * Most a decoder buffers for one unfinished event or line. The app holds the same bytes anyway;
 * past this the decoder stops rather than double a runaway stream's memory.
 */
export const MAX_PENDING_CHARS = 8 * 1024 * 1024;

/** TextDecoder options for a body fed chunk by chunk; hoisted so no object is allocated per chunk. */
export const STREAMING: TextDecodeOptions = { stream: true };

/**
 * Wraps the consumer's handler so that its failure cannot escape into the app's stream nor leave
 * a decoder half-way through its own bookkeeping.
 */
export function guardHandler(onEvent: StreamEventHandler): StreamEventHandler {
  let reported = false;
  return (data, event) => {
    try {
      onEvent(data, event);
    } catch (error) {
      if (!reported) diag.debug('llm-otel-agent: stream event handler failed', error);
      reported = true;
    }
  };
}

/**
 * The shell of a decoder that reads text: bytes through one streaming TextDecoder (a UTF-8
 * character split across chunks decodes whole) into `consume`; at the end, `finish` gets what the
 * TextDecoder still held. Bytes that are not text stop the decoder rather than be misread; neither
 * callback's failure reaches the application's stream.
 */
export function textStreamDecoder(consume: (text: string) => void, finish: (rest: string) => void): StreamDecoder {
  const text = new TextDecoder();
  let ended = false;
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
        finish(text.decode());
      } catch {
        // Nothing left to save: the body is over.
      }
    },
  };
}
