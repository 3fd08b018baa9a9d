// Starts and stops the simulator's HTTP server. One port speaks HTTP/1.1 and cleartext HTTP/2 with
// prior knowledge (h2c, what the AWS SDK's NodeHttp2Handler sends to an http:// endpoint): each
// connection's first bytes tell which, the HTTP/2 preface starting `PRI ` where no HTTP/1 method
// does, and the connection goes to the matching server. Node's http2 compatibility API gives the
// handlers the same request and response interface as node:http.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { handleAdmin } from './admin.js';
import { createCallHandler } from './call-handler.js';
import { DEFAULT_KV_CACHE_TOKENS, Engines } from './engine.js';
import { DEFAULT_SCHEDULE } from './schedule.js';
import type { ModelSimulator, ModelSimulatorOptions, SimCallRecord } from './types.js';
import { handleMetrics } from './vllm-metrics.js';

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number`);
  return value;
}

export async function startModelSimulator(options: ModelSimulatorOptions = {}): Promise<ModelSimulator> {
  const calls: SimCallRecord[] = [];
  const engines = new Engines({
    maxRunning: positive('maxRunning', options.maxRunning, Infinity),
    kvCacheTokens: positive('kvCacheTokens', options.kvCacheTokens, DEFAULT_KV_CACHE_TOKENS),
  });
  const handleCall = createCallHandler({
    defaults: { ...DEFAULT_SCHEDULE, ...options.defaults },
    replayDir: options.replayDir,
    calls,
    engines,
  });

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://simulator');
    if (handleAdmin(req, res, pathname, calls)) return;
    if (handleMetrics(req, res, pathname, () => engines.snapshot())) return;
    handleCall(req, res, pathname, searchParams).catch(() => {
      // A client that left while its body was read, or a bug: never let one call take the server down.
      if (!res.headersSent) res.writeHead(500);
      res.destroy();
    });
  };
  const http1 = createServer(handle);
  // The compatibility API's request and response have every member the handlers use (headers,
  // method, url, httpVersion, the body stream; writeHead, write, end, flushHeaders, 'close',
  // 'drain', writableFinished); writer.ts handles the one difference, how a response is cut.
  const http2 = createHttp2Server((req: Http2ServerRequest, res: Http2ServerResponse) => handle(req as unknown as IncomingMessage, res as unknown as ServerResponse));
  // A stream the client resets is its business; without a listener Node would throw it.
  http2.on('session', (session) => session.on('error', () => undefined));
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    routeConnection(socket, http1, http2);
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');

  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    calls,
    async close() {
      const closed = once(server, 'close');
      server.close();
      // Hanging and slow streams would hold close() forever: end them.
      for (const socket of sockets) socket.destroy();
      // They never listened; closing them stops node:http's connection-checking timer.
      http1.close(() => undefined);
      http2.close(() => undefined);
      await closed;
    },
  };
}

const HTTP2_PREFACE_START = 'PRI ';

/** Hands the connection to the server its first bytes speak to, with those bytes put back unread. */
function routeConnection(socket: Socket, http1: { emit(event: 'connection', socket: Socket): boolean }, http2: { emit(event: 'connection', socket: Socket): boolean }): void {
  socket.on('error', () => undefined); // a client that resets before it said anything
  socket.once('readable', function sniff() {
    const head = socket.read() as Buffer | null;
    if (head === null) return void socket.once('readable', sniff);
    socket.unshift(head);
    const start = head.subarray(0, HTTP2_PREFACE_START.length).toString('latin1');
    // Fewer bytes than the preface's start, all of them matching it: wait for more.
    if (start.length < HTTP2_PREFACE_START.length && HTTP2_PREFACE_START.startsWith(start)) return void socket.once('readable', sniff);
    (start === HTTP2_PREFACE_START ? http2 : http1).emit('connection', socket);
  });
}
