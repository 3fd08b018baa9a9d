// Small services used by the foundation tests, written as a user would write them.

/** An ESM service: each inbound request makes one node:http call and one fetch to `UPSTREAM`, then answers. */
export const esmHttpApp = `
import http from 'node:http';
const upstream = process.env.UPSTREAM;
const server = http.createServer(async (req, res) => {
  if (req.url === '/plain') { res.end('ok'); return; }
  await new Promise((resolve, reject) => {
    http.get(upstream + '/via-http', (r) => { r.resume(); r.on('end', resolve); }).on('error', reject);
  });
  const text = await (await fetch(upstream + '/via-fetch')).text();
  res.end('upstream said ' + text);
});
server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port));
process.on('SIGTERM', () => server.close());
`;

/** The same service in CommonJS. */
export const cjsHttpApp = esmHttpApp.replace("import http from 'node:http';", "const http = require('node:http');");

/** Serves `/plain` only; used where only root SERVER spans matter. Exits after `COUNT` self-requests when set. */
export const selfLoadApp = `
import http from 'node:http';
const count = Number(process.env.COUNT ?? 0);
const server = http.createServer((req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  console.log('LISTENING ' + port);
  if (!count) return;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let answered = 0;
  const one = () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/plain', agent }, (r) => { r.resume(); r.on('end', () => { answered++; resolve(); }); }).on('error', reject);
  });
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, one));
  globalThis.gc?.();
  console.log(JSON.stringify({ answered, heapBefore, heapAfter: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss }));
  agent.destroy();
  server.close();
});
`;
