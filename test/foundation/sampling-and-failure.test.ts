// Sampling from the environment, a collector that is down, and bad configuration: all against a
// real child process and a real OTLP receiver.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { selfLoadApp } from './apps.js';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await stopAll();
  receiver.clear();
});
afterAll(() => receiver.close());

function env(extra: Record<string, string>): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: 'none', OTEL_BSP_SCHEDULE_DELAY: '200', ...extra };
}

async function runLoad(count: number, extra: Record<string, string>, nodeArgs?: string[]) {
  const app = await startApp({ script: selfLoadApp, ext: 'mjs', env: env({ COUNT: String(count), ...extra }), nodeArgs });
  const exit = await app.exited;
  expect(exit.code, app.stderr).toBe(0);
  const line = app.stdout.split('\n').find((l) => l.startsWith('{'));
  return { app, result: JSON.parse(line!) as { answered: number; heapBefore: number; heapAfter: number; rss: number } };
}

const traceIds = () => new Set(receiver.spans.map((s) => s.traceId));

describe('sampling from OTEL_TRACES_SAMPLER', () => {
  it('always_off exports nothing', async () => {
    const { result } = await runLoad(200, { OTEL_TRACES_SAMPLER: 'always_off' });
    expect(result.answered).toBe(200);
    expect(receiver.spans).toEqual([]);
  });

  it('traceidratio 0.25 keeps about a quarter of 2,000 traces', async () => {
    const { result } = await runLoad(2000, { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    expect(result.answered).toBe(2000);
    const kept = traceIds().size;
    // Binomial(2000, 0.25): mean 500, sd 19.4. Five sd either side fails by chance about once in 3.5 million runs.
    expect(kept).toBeGreaterThan(500 - 5 * 19.4);
    expect(kept).toBeLessThan(500 + 5 * 19.4);
    // Each kept trace is whole: client span and server span, both decided by the same trace id.
    expect(receiver.spans.length).toBe(2 * kept);
  });

  it('parentbased_* follows an incoming traceparent', async () => {
    const script = `
      import http from 'node:http';
      const server = http.createServer((req, res) => res.end('ok'));
      server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port));
    `;
    const cases = [
      { sampler: 'parentbased_always_off', flags: '01', exported: true },
      { sampler: 'parentbased_always_on', flags: '00', exported: false },
      { sampler: 'parentbased_traceidratio', flags: '01', exported: true, arg: '0' },
      { sampler: 'parentbased_traceidratio', flags: '00', exported: false, arg: '1' },
    ];
    for (const c of cases) {
      const app = await startApp({
        script,
        ext: 'mjs',
        env: env({ OTEL_TRACES_SAMPLER: c.sampler, ...(c.arg ? { OTEL_TRACES_SAMPLER_ARG: c.arg } : {}) }),
      });
      const port = await app.waitForPort();
      const traceId = `${c.flags}`.padStart(32, 'a');
      await fetch(`http://127.0.0.1:${port}/`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-${c.flags}` } }).then((r) => r.text());
      await app.stop();
      const spans = receiver.spans.filter((s) => s.traceId === traceId);
      expect({ ...c, got: spans.length > 0 }).toEqual({ ...c, got: c.exported });
      if (c.exported) expect(spans[0]!.parentSpanId).toBe('00f067aa0ba902b7');
      receiver.clear();
    }
  });
});

describe('a collector that is down', () => {
  it('costs the service nothing but dropped spans: every request answered, memory bounded over 20,000 spans', async () => {
    const { app, result } = await runLoad(
      10_000, // each request is two spans: the client call and the server side
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '50' },
      ['--expose-gc', '--import', 'llm-otel-agent'],
    );
    expect(result.answered).toBe(10_000);
    // The batch processor's queue holds at most 2,048 spans; the rest are dropped, not piled up.
    expect(result.heapAfter - result.heapBefore).toBeLessThan(32 * 1024 * 1024);
    const agentLines = app.stderr.split('\n').filter((l) => l.includes('[llm-otel-agent]'));
    expect(agentLines.length).toBeLessThanOrEqual(3); // once per distinct failure, not once per export
  }, 120_000);
});

describe('bad configuration', () => {
  const cases: Array<{ env: Record<string, string>; warning: string }> = [
    {
      env: { OTEL_TRACES_SAMPLER: 'sometimes' },
      warning:
        'invalid OTEL_TRACES_SAMPLER="sometimes" (expected one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio); using the default "parentbased_always_on"',
    },
    {
      env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.7' },
      warning: 'invalid OTEL_TRACES_SAMPLER_ARG="1.7" (expected a number >= 0 and <= 1); using the default "1"',
    },
    {
      env: { OTEL_EXPORTER_PROMETHEUS_PORT: 'abc' },
      warning: 'invalid OTEL_EXPORTER_PROMETHEUS_PORT="abc" (expected an integer >= 0 and <= 65535); using the default "9464"',
    },
  ];
  for (const c of cases) {
    it(`${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')}: one warning, the default, and spans still flow`, async () => {
      const { app } = await runLoad(20, c.env);
      const agentLines = app.stderr.split('\n').filter((l) => l.includes('[llm-otel-agent]'));
      expect(agentLines).toEqual([`[llm-otel-agent] warning: ${c.warning}`]);
      // The default sampler (or ratio 1) keeps every trace.
      await receiver.waitForSpans((spans) => new Set(spans.map((s) => s.traceId)).size === 20);
    });
  }
});
