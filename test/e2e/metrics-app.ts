// A child app under `node --import llm-otel-agent` whose /metrics endpoint the test reads, as a user's
// Prometheus would: the agent serves it on 127.0.0.1 at a port picked here (the agent does not say
// which port it bound, so the test picks a free one and hands it over in OTEL_EXPORTER_PROMETHEUS_PORT).
import { setTimeout as sleep } from 'node:timers/promises';
import { startApp, type ChildApp, type StartAppOptions } from '../helpers/child-app.js';
import { freePort } from '../../demo/free-port.js';

/** The Accept header Prometheus 2.42 scrapes with. */
export const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export interface Scrape {
  contentType: string;
  body: string;
}

export interface MetricsApp {
  app: ChildApp;
  /** host:port of the agent's endpoint, as a Prometheus target. */
  address: string;
  /** GET /metrics; `openMetrics` sends Prometheus's own Accept header, otherwise none at all. */
  scrape(openMetrics?: boolean): Promise<Scrape>;
}


/** Starts the app with the agent's endpoint on a free loopback port and waits until it answers. */
export async function startMetricsApp(options: StartAppOptions, readyTimeoutMs = 15_000): Promise<MetricsApp> {
  const port = await freePort('127.0.0.1');
  const app = await startApp({
    ...options,
    env: { ...options.env, OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(port) },
  });
  const url = `http://127.0.0.1:${port}/metrics`;
  const scrape = async (openMetrics = false): Promise<Scrape> => {
    const response = await fetch(url, openMetrics ? { headers: { accept: PROMETHEUS_ACCEPT } } : {});
    if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
    return { contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  };
  await waitUntilServing(app, scrape, readyTimeoutMs);
  return { app, address: `127.0.0.1:${port}`, scrape };
}

async function waitUntilServing(app: ChildApp, scrape: () => Promise<Scrape>, timeoutMs: number): Promise<void> {
  let exited = false;
  void app.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    try {
      await scrape();
      return;
    } catch {
      await sleep(50); // not listening yet
    }
  }
  throw new Error(`the agent's /metrics endpoint did not answer${exited ? ' before the app exited' : ` within ${timeoutMs} ms`}\n${app.stderr}`);
}

/** The sample lines of an exposition (no comments, no blank lines). */
export function sampleLines(body: string): string[] {
  return body.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/** Scrapes until `done` accepts the 0.0.4 text; fails with the last one after `timeoutMs`. */
export async function scrapeUntil(metrics: MetricsApp, done: (body: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let body = (await metrics.scrape()).body;
  while (!done(body)) {
    if (Date.now() > deadline) throw new Error(`/metrics not as expected after ${timeoutMs} ms:\n${body}`);
    await sleep(50);
    body = (await metrics.scrape()).body;
  }
  return body;
}
