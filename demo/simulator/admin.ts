// The simulator's own endpoints: the call records as JSON, for tests and benchmarks in other processes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimCallRecord } from './types.js';

export const CALLS_PATH = '/_sim/calls';

/** Answers GET (the records) and DELETE (empty them, in place) on CALLS_PATH; false for anything else. */
export function handleAdmin(req: IncomingMessage, res: ServerResponse, pathname: string, calls: SimCallRecord[]): boolean {
  if (pathname !== CALLS_PATH) return false;
  if (req.method === 'GET') {
    const body = JSON.stringify(calls);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  } else if (req.method === 'DELETE') {
    calls.length = 0;
    res.writeHead(204).end();
  } else {
    res.writeHead(405, { allow: 'GET, DELETE' }).end();
  }
  return true;
}
