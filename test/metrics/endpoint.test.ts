import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusEndpoint, prefersOpenMetrics, type PrometheusEndpoint } from '../../agent/metrics/endpoint.js';
import { createHarness, streamedCall, type Harness } from './harness.js';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

let harness: Harness | undefined;
let endpoint: PrometheusEndpoint | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  await harness?.shutdown();
  await endpoint?.close();
  await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
  harness = endpoint = blocker = undefined;
});

async function servedHarness(): Promise<{ url: string; warnings: string[] }> {
  const warnings: string[] = [];
  endpoint = createPrometheusEndpoint({ host: '127.0.0.1', port: 0 }, { warn: (message) => warnings.push(message) });
  harness = createHarness({}, endpoint.reader);
  endpoint.setExemplarSource(harness.llm.exemplars);
  const port = await endpoint.listening;
  return { url: `http://127.0.0.1:${port}/metrics`, warnings };
}

describe('content negotiation', () => {
  it('prefers OpenMetrics when the scraper ranks it first, as Prometheus does', () => {
    expect(prefersOpenMetrics(PROMETHEUS_ACCEPT)).toBe(true);
    expect(prefersOpenMetrics('application/openmetrics-text; version=1.0.0')).toBe(true);
    expect(prefersOpenMetrics(undefined)).toBe(false);
    expect(prefersOpenMetrics('*/*')).toBe(false);
    expect(prefersOpenMetrics('text/plain;version=0.0.4')).toBe(false);
    expect(prefersOpenMetrics('text/plain, application/openmetrics-text;q=0.5')).toBe(false);
    expect(prefersOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
  });
});

describe('the /metrics endpoint', () => {
  it('serves OpenMetrics with exemplars to an OpenMetrics scraper and 0.0.4 text to anyone else', async () => {
    const { url } = await servedHarness();
    const context = harness!.call(streamedCall());

    const openMetrics = await fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(openMetrics.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    const omText = await openMetrics.text();
    expect(omText).toContain(`trace_id="${context.traceId}"`);
    expect(omText.endsWith('# EOF\n')).toBe(true);

    const plain = await fetch(url);
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await plain.text();
    expect(text).toMatch(/\nllm_requests_total\{[^}]*\} 1\n/);
    expect(text).not.toContain('trace_id');
    expect(text).not.toContain('# EOF');
  });

  it('answers 404 off its path', async () => {
    const { url } = await servedHarness();
    const response = await fetch(url.replace('/metrics', '/other'));
    expect(response.status).toBe(404);
  });

  it('warns once and carries on when its port is taken', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const warnings: string[] = [];
    endpoint = createPrometheusEndpoint({ host: '127.0.0.1', port }, { warn: (message) => warnings.push(message) });
    expect(await endpoint.listening).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`127.0.0.1:${port}`);
    expect(warnings[0]).toContain('EADDRINUSE');
    await endpoint.close();
  });
});
