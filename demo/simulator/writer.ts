// Writes one response chunk by chunk: honours backpressure, waits without per-chunk timers when
// there is nothing to wait for, and can split a write inside a multi-byte UTF-8 character. Over
// HTTP/2 (the compatibility API's response, see server.ts) a cut resets the one stream instead of
// closing the connection, which other streams share.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { constants as http2Constants, Http2ServerResponse } from 'node:http2';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** Index just past the lead byte of the first multi-byte UTF-8 character, or -1. */
function midCharacterOffset(bytes: Buffer): number {
  const lead = bytes.findIndex((byte) => byte >= 0xc0);
  return lead < 0 ? -1 : lead + 1;
}

export class ResponseWriter {
  readonly #res: ServerResponse;
  readonly #gone = new AbortController();
  /** Set when the simulator itself cut the connection (truncate), so it is not taken as a client abort. */
  cutByServer = false;
  /** Writes handed to the response whose bytes have not yet reached the socket. */
  #unflushed = 0;
  /** A cut waiting for those bytes, so it drops none of them. */
  #cutPending = false;
  /** The response is an HTTP/2 stream's: no connection-level headers, and a cut is a stream reset. */
  readonly http2: boolean;

  constructor(res: ServerResponse) {
    this.#res = res;
    this.http2 = (res as unknown) instanceof Http2ServerResponse;
    res.once('close', () => this.#gone.abort());
  }

  /**
   * The client went away before the response ended. Over HTTP/2 a client's reset also ends the
   * response's writable side (Node does), so the stream's own `aborted` flag says it.
   */
  get leftEarly(): boolean {
    if (this.cutByServer) return false;
    return this.http2 ? (this.#res as unknown as Http2ServerResponse).stream.aborted : !this.#res.writableFinished;
  }

  /** The connection is closed: nothing more can be written. */
  get gone(): boolean {
    return this.#gone.signal.aborted || this.#res.destroyed;
  }

  /** Resolves when the connection closes, for whatever reason. */
  async closed(): Promise<void> {
    if (this.gone) return;
    await once(this.#gone.signal, 'abort');
  }

  /** Waits `ms` (no timer at all for 0); returns early when the connection closes. */
  async pause(ms: number): Promise<void> {
    if (ms <= 0 || this.gone) return;
    await sleep(ms, undefined, { signal: this.#gone.signal }).catch(() => undefined);
  }

  /** One turn of the event loop: Node uncorks the socket first, so what was written leaves alone. */
  async nextTurn(): Promise<void> {
    if (!this.gone) await nextTurn();
  }

  async write(chunk: string | Uint8Array, splitUtf8 = false): Promise<void> {
    if (this.gone) return;
    if (splitUtf8) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const offset = midCharacterOffset(bytes);
      if (offset > 0) {
        await this.#flush(bytes.subarray(0, offset));
        // Give the first half its own turn on the socket so the client reads it alone.
        await this.pause(1);
        return this.#write(bytes.subarray(offset));
      }
    }
    return this.#write(chunk);
  }

  async #write(chunk: string | Uint8Array): Promise<void> {
    if (this.gone) return;
    this.#unflushed++;
    if (!this.#res.write(chunk, this.#onFlushed)) await this.#drained();
  }

  // One bound callback for every write: counting flushes allocates nothing per chunk.
  readonly #onFlushed = (): void => {
    this.#unflushed--;
    if (this.#cutPending && this.#unflushed === 0) this.#endSocket();
  };

  /** Writes and waits until the bytes have been handed to the OS (or the connection closed). */
  async #flush(chunk: Buffer): Promise<void> {
    if (this.gone) return;
    const signal = this.#gone.signal;
    let onClose = (): void => undefined;
    await new Promise<void>((resolve) => {
      onClose = resolve;
      signal.addEventListener('abort', onClose, { once: true });
      this.#unflushed++;
      this.#res.write(chunk, () => {
        this.#onFlushed();
        resolve();
      });
    });
    signal.removeEventListener('abort', onClose);
  }

  async #drained(): Promise<void> {
    await once(this.#res, 'drain', { signal: this.#gone.signal }).catch(() => undefined);
  }

  end(chunk?: string | Uint8Array): void {
    if (!this.gone) this.#res.end(chunk);
  }

  /**
   * Closes the connection mid-response, as a crashed upstream would: what was written still
   * arrives, then the connection ends without the body's proper end.
   */
  cut(): void {
    this.cutByServer = true;
    // The response may still hold written bytes that have not reached the socket (Node 24.22 keeps
    // them in the HTTP layer while the socket is corked); ending the socket now would drop them, so
    // the cut waits for the last write's flush.
    if (this.#unflushed === 0) this.#endSocket();
    else this.#cutPending = true;
  }

  #endSocket(): void {
    if (this.http2) {
      // RST_STREAM: what an HTTP/2 server or proxy sends when the upstream of one stream fails.
      (this.#res as unknown as Http2ServerResponse).stream.close(http2Constants.NGHTTP2_INTERNAL_ERROR);
      return;
    }
    const socket = this.#res.socket;
    if (socket) socket.end();
    else this.#res.destroy();
  }
}
