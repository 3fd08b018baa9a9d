// The service the configuration table's rows start, under `node --import llm-otel-agent`: an
// inbound HTTP server whose GET /work makes streamed model calls through the real openai SDK (to
// SIM_URL) and plain fetch calls (to UPSTREAM_URL), each as the query string asks. With `hang=1`
// the model calls ask the simulator to hold their streams open (`x-sim-error: hang`) and the service
// never reads them: /work answers once the streams' headers are in. Prints `LISTENING <port>`; ends
// on SIGTERM, or by itself EXIT_AFTER_MS after its first /work.
import http from 'node:http';
import OpenAI from 'openai';

const openai = new OpenAI({ baseURL: `${process.env.SIM_URL}/v1`, apiKey: 'sk-env-table', maxRetries: 0 });
const exitAfterMs = Number(process.env.EXIT_AFTER_MS ?? 0);

/** The hung streams' aborts, for SIGTERM: the process could not end while they are open. */
const hanging = new Set();

async function modelCall(model, hang) {
  const controller = new AbortController();
  const options = hang ? { headers: { 'x-sim-error': 'hang' }, signal: controller.signal } : {};
  const stream = await openai.chat.completions.create(
    {
      model,
      stream: true,
      messages: [{ role: 'user', content: 'Say something about the configuration table.' }],
    },
    options,
  );
  if (hang) {
    hanging.add(controller);
    return '(stream left unread)';
  }
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  return text;
}

async function work(query) {
  const models = (query.get('models') ?? 'gpt-4o-mini').split(',');
  const calls = Number(query.get('calls') ?? 1);
  const plain = Number(query.get('plain') ?? 1);
  const hang = query.get('hang') === '1';
  const answers = [];
  for (let i = 0; i < calls; i++) answers.push(await modelCall(models[i % models.length], hang));
  for (let i = 0; i < plain; i++) await (await fetch(`${process.env.UPSTREAM_URL}/plain/${i}`)).text();
  return answers;
}

let exitScheduled = false;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://app');
  if (url.pathname !== '/work') return res.writeHead(404).end();
  work(url.searchParams).then(
    (answers) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ answers }));
      if (exitAfterMs && !exitScheduled) {
        exitScheduled = true;
        // A service that ends by calling process.exit: no flush on the way out, only what was exported by then.
        setTimeout(process.exit.bind(process, 0), exitAfterMs);
      }
    },
    (error) => res.writeHead(500).end(String(error)),
  );
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING ${server.address().port}`));
process.on('SIGTERM', () => {
  for (const controller of hanging) controller.abort();
  server.close();
  server.closeAllConnections();
});
