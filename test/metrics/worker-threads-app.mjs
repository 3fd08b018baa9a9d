// A service with a pool of worker threads, as Piscina or tinypool would run it: every thread, the main
// one included, makes streamed model calls over fetch (some failing), the way the test's PLAN says.
// SCENARIO=pool: on SIGUSR2 every thread makes its calls at once; RESULT lines, then DONE.
// SCENARIO=mid-stream: on SIGUSR2 a worker opens a long stream and says STREAMING once it has read a
// chunk; on a second SIGUSR2 it is terminated (TERMINATED), then another worker calls process.exit in the
// middle of its own stream (EXITED).
import { Worker, isMainThread, parentPort, threadId } from 'node:worker_threads';

// Bound once: in a worker thread it ends the thread, as an application's own call would.
const exitWorker = process.exit.bind(process);

const SIM = process.env.SIM_URL;
const messages = [{ role: 'user', content: 'tell me about the weather today' }];

/** One streamed chat call, read to its end; `onChunk` sees each chunk as the service reads it. */
async function call(model, { fail = false, chunks = 4, intervalMs = 20, onChunk } = {}) {
  const headers = {
    'content-type': 'application/json',
    authorization: 'Bearer sk-test',
    'x-sim-first-chunk-ms': '50',
    'x-sim-interval-ms': String(intervalMs),
    'x-sim-chunks': String(chunks),
  };
  if (fail) headers['x-sim-error'] = '500';
  const response = await fetch(`${SIM}/v1/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages }),
  });
  if (!response.ok) {
    await response.text();
    return { ok: false, status: response.status };
  }
  const reader = response.body.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) return { ok: true };
    onChunk?.();
  }
}

const many = (model, { streamed, failed }) =>
  Promise.all([
    ...Array.from({ length: streamed }, () => call(model)),
    ...Array.from({ length: failed }, () => call(model, { fail: true })),
  ]);

if (isMainThread) {
  const plan = JSON.parse(process.env.PLAN);
  const started = (name, task) =>
    new Promise((resolve) => {
      const worker = new Worker(new URL(import.meta.url), { name });
      worker.once('online', () => resolve(worker));
      worker.on('error', (error) => console.log(`WORKER ERROR ${name} ${error}`));
      if (task) worker.postMessage(task);
    });
  if (process.env.SCENARIO === 'pool') {
    const pool = await Promise.all(Array.from({ length: plan.workers }, (_, i) => started(`pool-${i + 1}`)));
    // Listening before READY is printed: the test signals as soon as it reads the line.
    process.once('SIGUSR2', async () => {
      const finished = pool.map(
        (worker) =>
          new Promise((resolve) => {
            worker.once('message', resolve);
            worker.postMessage({ kind: 'calls', model: plan.workerModel, ...plan.perWorker });
          }),
      );
      const own = many(plan.mainModel, plan.main);
      for (const results of [await own, ...(await Promise.all(finished))]) console.log('RESULT ' + JSON.stringify(results));
      console.log('DONE');
    });
    console.log('READY');
  } else {
    process.once('SIGUSR2', async () => {
      const terminated = await started('doomed');
      await new Promise((resolve) => {
        terminated.once('message', resolve);
        terminated.postMessage({ kind: 'stream', model: 'terminated-model' });
      });
      process.once('SIGUSR2', async () => {
        await terminated.terminate();
        console.log('TERMINATED');
        const exiting = await started('exiting');
        await new Promise((resolve) => {
          exiting.once('exit', resolve);
          exiting.postMessage({ kind: 'exit-mid-stream', model: 'exited-model' });
        });
        console.log('EXITED');
      });
      console.log('STREAMING');
    });
    console.log('READY');
  }
  setInterval(() => {}, 60_000);
} else {
  parentPort.on('message', async (task) => {
    if (task.kind === 'calls') {
      parentPort.postMessage(await many(task.model, task));
    } else if (task.kind === 'stream') {
      // A stream far longer than the test: the worker is terminated while it reads it.
      let told = false;
      await call(task.model, {
        chunks: 1000,
        intervalMs: 100,
        onChunk: () => {
          if (!told) parentPort.postMessage({ streaming: threadId });
          told = true;
        },
      });
    } else if (task.kind === 'exit-mid-stream') {
      await call(task.model, { chunks: 1000, intervalMs: 100, onChunk: () => exitWorker(0) });
    }
  });
}
