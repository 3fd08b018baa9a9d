// A service that puts API keys where real services put them: in query strings, headers and URL
// userinfo, on model calls and plain calls, over fetch and node:http, inbound and outbound. Each
// key is a distinct string from KEYS (JSON); the test searches every exported byte for them.
import http from 'node:http';
import OpenAI from 'openai';

const k = JSON.parse(process.env.KEYS);
const sim = new URL(process.env.SIM_URL);
const upstream = new URL(process.env.UPSTREAM_URL);

function httpGet(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
  });
}

function httpPost(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

async function calls() {
  // The real SDK: the key as a bearer token, and an Azure-style api-key in the query.
  const openai = new OpenAI({ baseURL: `${sim.origin}/v1`, apiKey: k.sdkBearer, maxRetries: 0, defaultQuery: { 'api-key': k.sdkQuery } });
  for await (const _ of await openai.chat.completions.create({ ...chat, stream: true })) { /* drain */ }
  // A model call over node:http with the key in the query and in a header.
  await httpPost(`${sim.origin}/v1/chat/completions?key=${k.httpModelQuery}`, chat, { 'api-key': k.httpModelHeader });
  // A Gemini REST call as Google's docs show it (?key=, and x-goog-api-key): a model-call span.
  await (await fetch(`${sim.origin}/v1beta/models/gemini-2.0-flash:generateContent?key=${k.geminiKey}`, {
    method: 'POST', headers: { 'x-goog-api-key': k.geminiHeader }, body: '{}',
  })).text();
  // Plain fetch: key-bearing parameters of every common spelling, and a header.
  const plainQuery = new URLSearchParams({
    access_token: k.fetchAccessToken, token: k.fetchToken, 'X-Amz-Signature': k.fetchAmzSignature,
    AWSAccessKeyId: k.fetchAwsAccessKeyId, client_secret: k.fetchClientSecret, page: '2',
  });
  await (await fetch(`${upstream.origin}/plain?${plainQuery}`, { headers: { authorization: `Bearer ${k.fetchBearer}`, 'x-api-key': k.fetchApiKeyHeader } })).text();
  // Plain node:http: userinfo, and more spellings.
  await httpGet(`http://user:${k.httpUserinfo}@${upstream.host}/plain?apikey=${k.httpApikey}&password=${k.httpPassword}&Signature=${k.httpSignature}`);
}

const server = http.createServer((req, res) => {
  if (!req.url.startsWith('/work')) return res.writeHead(404).end();
  calls().then(() => res.end('done'), (error) => res.writeHead(500).end(String(error)));
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
