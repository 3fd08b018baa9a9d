// The load generator's HTTP client: keep-alive sockets, one request at a time per socket.
import { Agent, request } from 'node:http';

export function createClientAgent(concurrency) {
  return new Agent({ keepAlive: true, maxSockets: concurrency });
}

/** Sends one request and resolves with the status and the body as text. */
export function send(agent, url, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends one request and parses a 2xx JSON answer; any other status is an error. */
export async function sendJson(agent, url, method = 'GET') {
  const { status, body } = await send(agent, url, method);
  if (status < 200 || status >= 300) throw new Error(`${method} ${url}: HTTP ${status} ${body.slice(0, 200)}`);
  return body === '' ? undefined : JSON.parse(body);
}
