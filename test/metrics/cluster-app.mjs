// A service run as a node:cluster: a primary that makes no model calls and forks PLAN.workers workers,
// each making streamed, failing and aborted calls over fetch. The primary and the workers talk over
// the cluster's IPC channel as applications do, and count every message that is not their own: the
// agent's messages must never reach them.
// On SIGUSR2 every worker makes its calls: RESULT lines, FOREIGN (messages the application saw that
// were not its own), DONE. On a second SIGUSR2 worker 1 opens a long stream (STREAMING); on a third
// the primary kills it with SIGKILL (KILLED).
// AGENT_IN_WORKERS_ONLY=1: the primary runs without the agent and gives it to its workers itself.
import cluster from 'node:cluster';

const SIM = process.env.SIM_URL;
const messages = [{ role: 'user', content: 'tell me about the weather today' }];

/** One streamed chat call; `abortAfter` chunks read, the service gives up on it. */
async function call(model, { fail = false, chunks = 4, intervalMs = 20, abortAfter, onChunk } = {}) {
  const headers = {
    'content-type': 'application/json',
    authorization: 'Bearer sk-test',
    'x-sim-first-chunk-ms': '50',
    'x-sim-interval-ms': String(intervalMs),
    'x-sim-chunks': String(chunks),
  };
  if (fail) headers['x-sim-error'] = '500';
  const controller = new AbortController();
  try {
    const response = await fetch(`${SIM}/v1/chat/completions`, {
      method: 'POST',
      headers,
      signal: controller.signal,
      body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages }),
    });
    if (!response.ok) {
      await response.text();
      return { ok: false, status: response.status };
    }
    const reader = response.body.getReader();
    for (let read = 0; ; read++) {
      if (read === abortAfter) controller.abort();
      const { done } = await reader.read();
      if (done) return { ok: true };
      onChunk?.();
    }
  } catch (error) {
    return { ok: false, aborted: error?.name === 'AbortError' };
  }
}

if (cluster.isPrimary) {
  const plan = JSON.parse(process.env.PLAN);
  if (process.env.AGENT_IN_WORKERS_ONLY === '1') cluster.setupPrimary({ execArgv: ['--import', 'llm-otel-agent'] });
  const foreign = [];
  const own = (message) => typeof message === 'object' && message !== null && message.app === true;
  cluster.on('message', (_worker, message) => {
    if (!own(message)) foreign.push(message);
  });
  const workers = Array.from({ length: plan.workers }, () => cluster.fork());
  const next = (worker, pattern) =>
    new Promise((resolve) => {
      const onMessage = (message) => {
        if (!own(message) || !pattern(message)) return;
        worker.off('message', onMessage);
        resolve(message);
      };
      worker.on('message', onMessage);
    });
  await Promise.all(workers.map((worker) => next(worker, (message) => message.ready)));
  process.once('SIGUSR2', async () => {
    const results = await Promise.all(
      workers.map((worker) => {
        const done = next(worker, (message) => message.results);
        worker.send({ app: true, run: 'calls', model: plan.model, ...plan.perWorker });
        return done;
      }),
    );
    for (const { results: list, foreign: seen } of results) {
      console.log('RESULT ' + JSON.stringify(list));
      foreign.push(...seen);
    }
    console.log('FOREIGN ' + JSON.stringify(foreign));
    process.once('SIGUSR2', async () => {
      const [doomed] = workers;
      const streaming = next(doomed, (message) => message.streaming);
      doomed.send({ app: true, run: 'stream', model: 'killed-model' });
      await streaming;
      process.once('SIGUSR2', () => {
        doomed.once('exit', (_code, signal) => console.log(`KILLED ${signal}`));
        doomed.process.kill('SIGKILL');
      });
      console.log('STREAMING');
    });
    console.log('DONE');
  });
  console.log('READY');
} else {
  const foreign = [];
  process.on('message', async (message) => {
    if (typeof message !== 'object' || message === null || message.app !== true) return void foreign.push(message);
    if (message.run === 'calls') {
      const results = await Promise.all([
        ...Array.from({ length: message.streamed }, () => call(message.model)),
        ...Array.from({ length: message.failed }, () => call(message.model, { fail: true })),
        ...Array.from({ length: message.aborted }, () => call(message.model, { chunks: 50, intervalMs: 50, abortAfter: 3 })),
      ]);
      process.send({ app: true, results, foreign });
    } else if (message.run === 'stream') {
      let told = false;
      await call(message.model, {
        chunks: 1000,
        intervalMs: 100,
        onChunk: () => {
          if (!told) process.send({ app: true, streaming: true });
          told = true;
        },
      });
    }
  });
  process.send({ app: true, ready: true });
}
