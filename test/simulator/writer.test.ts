// ResponseWriter.cut(): a cut delivers exactly what was written before it, then closes the
// connection without the body's proper end. Read over a raw socket, so the chunked framing shows
// what really arrived (an HTTP client would hide a missing terminator behind an error).
import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import { createServer, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ResponseWriter } from '../../demo/simulator/writer.js';

/** Serves one response with `respond`, returns every byte of the body as the client received it. */
async function rawBody(respond: (res: ServerResponse, writer: ResponseWriter) => Promise<void>): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    void respond(res, new ResponseWriter(res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nhost: sim\r\n\r\n');
    let received = '';
    socket.on('data', (bytes: Buffer) => (received += bytes.toString('latin1')));
    await once(socket, 'close');
    return received.slice(received.indexOf('\r\n\r\n') + 4);
  } finally {
    server.close();
  }
}

const events = ['data: 1\n\n', 'data: 2\n\n', 'data: 3\n\n', 'data: 4\n\n'];

/** Decodes a chunked body (Node may coalesce writes into one chunk); `ended` is the terminating chunk. */
function dechunk(raw: string): { data: string; ended: boolean } {
  let data = '';
  let at = 0;
  while (at < raw.length) {
    const lineEnd = raw.indexOf('\r\n', at);
    const size = Number.parseInt(raw.slice(at, lineEnd), 16);
    if (size === 0) return { data, ended: true };
    data += raw.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return { data, ended: false };
}

describe('ResponseWriter.cut', () => {
  it('delivers every write made in the same tick before the cut, and no terminating chunk', async () => {
    const body = await rawBody(async (_res, writer) => {
      for (const event of events) void writer.write(event);
      writer.cut();
    });
    expect(dechunk(body)).toEqual({ data: events.join(''), ended: false });
  });

  it('delivers awaited writes and the one written just before the cut', async () => {
    const body = await rawBody(async (_res, writer) => {
      for (const event of events.slice(0, 3)) {
        await writer.write(event);
        await new Promise((resolve) => setImmediate(resolve));
      }
      void writer.write(events[3]!);
      writer.cut();
    });
    expect(dechunk(body)).toEqual({ data: events.join(''), ended: false });
  });

  it('with nothing written after the headers, closes at once with an empty body', async () => {
    const body = await rawBody(async (_res, writer) => writer.cut());
    expect(body).toBe('');
  });

  it('records the cut as the server\'s, not a client abort', async () => {
    let cutByServer = false;
    await rawBody(async (_res, writer) => {
      await writer.write(events[0]!);
      writer.cut();
      cutByServer = writer.cutByServer;
    });
    expect(cutByServer).toBe(true);
  });
});
