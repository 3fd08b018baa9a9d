import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPrometheusEndpoint, prefersOpenMetrics, type PrometheusEndpoint } from '../../agent/metrics/endpoint.js';
import { serializeOpenMetrics } from '../../agent/metrics/openmetrics.js';
import { serializePrometheusText } from '../../agent/metrics/text-format.js';
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
  harness = createHarness({}, endpoint);
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

  it('writes each series from its kept text until the series changes: every scrape equals a fresh serialization of the same figures', async () => {
    // The endpoint writes the LLM series from text kept across scrapes; the push readers' MetricData
    // (the producer) is serialized from nothing each time. Both must say the same, byte for byte,
    // as calls add to some series, create others and replace exemplars between scrapes.
    let now = 1_700_000_000_000;
    const realNow = Date.now;
    Date.now = () => now; // the exemplar reservoir's refresh clock
    try {
      const { url } = await servedHarness();
      // Label values are the client's text: non-ASCII, quotes, a backslash and a line feed are escaped and encoded alike.
      const models = ['gpt-4o', 'modèle-é-日本', 'say "hi"\\ \n twice', 'claude-sonnet-4-5'];
      for (let round = 0; round < 4; round++) {
        for (const [index, model] of models.slice(0, round + 1).entries()) {
          harness!.call(streamedCall({ requestModel: model, responseModel: model, firstChunkS: 0.05 * (round + index + 1), outputTokens: 10 * round }));
          if (round === 2 && index === 0) harness!.call(streamedCall({ requestModel: model, responseModel: model, errorType: 'timeout' }));
        }
        const [scraped, plain] = await Promise.all([
          fetch(url, { headers: { accept: PROMETHEUS_ACCEPT } }).then((response) => response.text()),
          fetch(url).then((response) => response.text()),
        ]);
        const collected = await harness!.collect();
        expect(scraped).toBe(serializeOpenMetrics(collected, harness!.llm.exemplars));
        expect(plain).toBe(serializePrometheusText(collected));
        expect(scraped.match(/^llm_requests_total\{/gm)).toHaveLength(round + 1 + (round >= 2 ? 1 : 0));
        now += 20_000; // past the refresh interval: the next round's calls replace exemplars
      }
    } finally {
      Date.now = realNow;
    }
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
