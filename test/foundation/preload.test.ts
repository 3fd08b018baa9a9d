// The preload as users run it: child processes started with `node --import llm-otel-agent` (or
// --require), spans decoded by a real OTLP/HTTP receiver, in protobuf and JSON.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { cjsHttpApp, esmHttpApp } from './apps.js';

const SERVER = 1;
const CLIENT = 2;

let receiver: OtlpReceiver;
let upstream: Server;
let upstreamUrl: string;
const upstreamTraceparents: string[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  upstream = createServer((req, res) => {
    upstreamTraceparents.push(String(req.headers.traceparent ?? ''));
    res.end(req.url === '/via-fetch' ? 'fetched' : 'got');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await stopAll();
  receiver.clear();
  upstreamTraceparents.length = 0;
});
afterAll(async () => {
  await receiver.close();
  await new Promise((resolve) => upstream.close(resolve));
});

/** import-in-the-middle, require-in-the-middle and the packages they depend on, from their package.json files. */
const repoRoot = resolve(import.meta.dirname, '../..');
const MODULE_HOOKS = (() => {
  const found = new Set<string>();
  const visit = (name: string) => {
    if (found.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  visit('import-in-the-middle');
  visit('require-in-the-middle');
  return found;
})();

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: 'checkout',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,team=llm',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: '100',
    UPSTREAM: upstreamUrl,
    ...extra,
  };
}

async function callApp(port: number, path = '/'): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return response.text();
}

/** The server span of one inbound request with its two outbound children. */
function assertRequestTrace(spans: readonly ReceivedSpan[]): void {
  const server = spans.find((s) => s.kind === SERVER && s.attributes['url.path'] === '/');
  expect(server, `no SERVER span among ${spans.map((s) => s.name).join(', ')}`).toBeDefined();
  const clients = spans.filter((s) => s.kind === CLIENT && s.traceId === server!.traceId);
  expect(clients.map((s) => s.attributes['url.full'] ?? s.attributes['url.path']).sort()).toEqual([
    `${upstreamUrl}/via-fetch`,
    `${upstreamUrl}/via-http`,
  ]);
  for (const client of clients) expect(client.parentSpanId).toBe(server!.spanId);
  expect(server!.resource['service.name']).toBe('checkout');
  expect(server!.resource['deployment.environment.name']).toBe('test');
  expect(server!.resource['team']).toBe('llm');
  // The outgoing traceparent carries the client span's ids: the upstream would continue this trace.
  for (const header of upstreamTraceparents) {
    expect(header).toMatch(new RegExp(`^00-${server!.traceId}-[0-9a-f]{16}-01$`));
    expect(clients.map((c) => c.spanId)).toContain(header.split('-')[2]);
  }
}

describe('node --import llm-otel-agent', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`traces an ESM service's inbound http, outbound http and fetch, exported as ${protocol}`, async () => {
      const app = await startApp({ script: esmHttpApp, ext: 'mjs', env: baseEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol }) });
      const port = await app.waitForPort();
      expect(await callApp(port)).toBe('upstream said fetched');
      const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === CLIENT).length >= 2 && all.some((s) => s.kind === SERVER));
      expect(spans.every((s) => s.encoding === (protocol === 'http/json' ? 'json' : 'protobuf'))).toBe(true);
      assertRequestTrace(spans);
      expect(app.stderr).not.toMatch(/error|warning/i);
    });
  }

  it('traces a CommonJS service under --import and under --require', async () => {
    for (const nodeArgs of [['--import', 'llm-otel-agent'], ['--require', 'llm-otel-agent']]) {
      const app = await startApp({ script: cjsHttpApp, ext: 'cjs', env: baseEnv(), nodeArgs });
      const port = await app.waitForPort();
      expect(await callApp(port)).toBe('upstream said fetched');
      assertRequestTrace(await receiver.waitForSpans((all) => all.filter((s) => s.kind === CLIENT).length >= 2 && all.some((s) => s.kind === SERVER)));
      await app.stop();
      receiver.clear();
      upstreamTraceparents.length = 0;
    }
  });

  it('needs its ESM loader hook: the same ESM service under --require (no hook) gets no http spans', async () => {
    const app = await startApp({ script: esmHttpApp, ext: 'mjs', env: baseEnv(), nodeArgs: ['--require', 'llm-otel-agent'] });
    const port = await app.waitForPort();
    expect(await callApp(port)).toBe('upstream said fetched');
    // fetch is traced through diagnostics channels and needs no hook; node:http needs the hook.
    const spans = await receiver.waitForSpans((all) => all.some((s) => s.attributes['url.full'] === `${upstreamUrl}/via-fetch`));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.spans.filter((s) => s.kind === SERVER)).toEqual([]);
    expect(spans.filter((s) => s.attributes['url.full'] === `${upstreamUrl}/via-http`)).toEqual([]);
  });

  it('flushes pending spans on normal exit without keeping the process alive', async () => {
    const script = `
      const started = Date.now();
      await fetch(process.env.UPSTREAM + '/via-fetch').then((r) => r.text());
      console.log('DONE');
    `;
    const app = await startApp({ script, ext: 'mjs', env: baseEnv({ OTEL_BSP_SCHEDULE_DELAY: '60000' }) });
    const exit = await app.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // Exported on the way out, though the batch delay (60 s) never came.
    expect(receiver.spans.map((s) => s.attributes['url.full'])).toContain(`${upstreamUrl}/via-fetch`);
  });

  it('flushes on SIGTERM and still dies of the signal when the service has no handler of its own', async () => {
    const script = `
      import http from 'node:http';
      await fetch(process.env.UPSTREAM + '/via-fetch').then((r) => r.text());
      http.createServer(() => {}).listen(0, '127.0.0.1', () => console.log('LISTENING 1'));
    `;
    const app = await startApp({ script, ext: 'mjs', env: baseEnv({ OTEL_BSP_SCHEDULE_DELAY: '60000' }) });
    await app.waitForPort();
    app.kill('SIGTERM');
    expect(await app.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(receiver.spans.map((s) => s.attributes['url.full'])).toContain(`${upstreamUrl}/via-fetch`);
  });

  it('exits within the shutdown timeout when the collector never answers', async () => {
    // A collector that accepts the connection and never replies.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const script = `await fetch(process.env.UPSTREAM + '/via-fetch').then((r) => r.text()); console.log('DONE');`;
      const started = Date.now();
      const app = await startApp({
        script,
        ext: 'mjs',
        env: baseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, LLM_OTEL_SHUTDOWN_TIMEOUT_MS: '500' }),
      });
      expect((await app.exited).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(8000);
      expect(app.stdout).toContain('DONE');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  // The preload is one bundled file (scripts/bundle-preload.mjs): start-up is not spent resolving and
  // linking hundreds of modules. A resolve hook installed before the agent lists every module the
  // process resolves; exporters of both protocols and both signals, all in use, must come from the bundle.
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`starts from its one bundled file, with every ${protocol} exporter in use`, async () => {
      const recordResolved = encodeURIComponent(
        `import { registerHooks } from 'node:module'; globalThis.resolvedUrls = [];` +
          `registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); globalThis.resolvedUrls.push(r.url); return r; } });`,
      );
      const script = `
        import http from 'node:http';
        await fetch(process.env.UPSTREAM + '/via-fetch').then((r) => r.text());
        await new Promise((resolve) => http.get(process.env.UPSTREAM + '/via-http', (r) => r.resume().on('end', resolve)));
        await new Promise((resolve) => setTimeout(resolve, 700)); // span and metric exports have run
        console.log('RESOLVED ' + JSON.stringify(globalThis.resolvedUrls));
      `;
      const env = baseEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '200' });
      const app = await startApp({ script, ext: 'mjs', env, nodeArgs: ['--import', `data:text/javascript,${recordResolved}`, '--import', 'llm-otel-agent'] });
      const [, json] = await app.waitForLine(/^RESOLVED (.*)$/);
      const packagesResolved = new Set(
        (JSON.parse(json!) as string[]).flatMap((url) => url.match(/\/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []),
      );
      // The module hooks stay outside the bundle (one shared copy): they and their dependencies are all.
      expect([...packagesResolved].filter((name) => name !== 'llm-otel-agent' && !MODULE_HOOKS.has(name))).toEqual([]);
      expect(packagesResolved).toContain('import-in-the-middle');
      expect(packagesResolved).toContain('require-in-the-middle');
      const agentFiles = (JSON.parse(json!) as string[]).filter((url) => url.startsWith('file:') && !url.includes('/node_modules/') && url.includes('/dist/'));
      expect(agentFiles.map((url) => url.replace(/^.*\/dist\//, 'dist/'))).toEqual(['dist/bundle/register.js']);
      // Nothing of the demo (dist/demo/, a checkout's only: simulator, receiver, load) is ever resolved.
      expect((JSON.parse(json!) as string[]).filter((url) => /\/(demo|simulator)\//.test(url))).toEqual([]);
      // ... and the exports ran: spans and metrics reached the receiver in this protocol.
      const spans = await receiver.waitForSpans((all) => all.filter((s) => s.kind === CLIENT).length >= 2);
      expect(spans.every((s) => s.encoding === (protocol === 'http/json' ? 'json' : 'protobuf'))).toBe(true);
      expect(receiver.requests.some((r) => r.path === '/v1/metrics')).toBe(true);
      expect(app.stderr).not.toMatch(/error|warning/i);
    });
  }

  it('OTEL_SDK_DISABLED=true leaves the service untouched', async () => {
    const app = await startApp({ script: esmHttpApp, ext: 'mjs', env: baseEnv({ OTEL_SDK_DISABLED: 'true' }) });
    const port = await app.waitForPort();
    expect(await callApp(port)).toBe('upstream said fetched');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(receiver.spans).toEqual([]);
    expect(upstreamTraceparents.every((h) => h === '')).toBe(true);
  });

  it('OTEL_TRACES_EXPORTER=console prints spans instead of sending them', async () => {
    const script = `await fetch(process.env.UPSTREAM + '/via-fetch').then((r) => r.text());`;
    const app = await startApp({ script, ext: 'mjs', env: baseEnv({ OTEL_TRACES_EXPORTER: 'console' }) });
    await app.exited;
    expect(app.stdout).toMatch(/traceId/);
    expect(app.stdout).toContain('/via-fetch');
    expect(receiver.requests).toEqual([]);
  });

  it('a failure inside the agent at start-up costs one error line; the service runs untraced', async () => {
    const app = await startApp({ script: esmHttpApp, ext: 'mjs', env: baseEnv({ LLM_OTEL_TEST_FAULT: 'start' }) });
    const port = await app.waitForPort();
    expect(await callApp(port)).toBe('upstream said fetched');
    const errorLines = app.stderr.split('\n').filter((line) => line.includes('[llm-otel-agent]'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(/failed to start.*runs without it/);
  });
});
