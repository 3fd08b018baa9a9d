// `llm-otel-agent demo --serve`, the compose stack's app, as compose runs it: the built CLI in a child
// process, configured only through its environment, which must keep the simulator's vLLM /metrics,
// the agent's /metrics and a steady flow of traces to the OTLP endpoint going until SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../demo/free-port.js';
import { scrapeOpenMetrics } from '../../demo/openmetrics-parse.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runCli, startCli, type CliRun } from './cli.js';

const HOST = '127.0.0.1';
const SERVICE = 'serve-test-app';

/** Polls `check` until it returns a value, or fails after `timeoutMs` with the last error seen. */
async function eventually<T>(timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

async function requestsCounted(metricsUrl: string): Promise<number> {
  const samples = await scrapeOpenMetrics(metricsUrl);
  return samples.filter((sample) => sample.name === 'llm_requests_total').reduce((total, sample) => total + sample.value, 0);
}

describe('llm-otel-agent demo --serve', () => {
  let receiver: OtlpReceiver;
  let run: CliRun;
  let simulatorPort: number;
  let metricsPort: number;
  let servicePid: number;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    simulatorPort = await freePort(HOST);
    metricsPort = await freePort(HOST);
    run = startCli(
      ['demo', '--serve'],
      cleanEnv({
        DEMO_SIMULATOR_HOST: HOST,
        DEMO_SIMULATOR_PORT: String(simulatorPort),
        DEMO_RATE: '5',
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_BSP_SCHEDULE_DELAY: '500',
        OTEL_EXPORTER_PROMETHEUS_HOST: HOST,
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      }),
    );
    const [, pid] = await run.waitFor(/chat service .*\(pid (\d+)\)/, 15_000);
    servicePid = Number(pid);
    await run.waitFor(/a summary line every \d+ s/, 5_000); // the end of the banner
  });

  afterAll(async () => {
    run?.child.kill('SIGKILL');
    await receiver?.close();
  });

  it('prints where everything is, from its environment', () => {
    expect(run.stdout).toContain(`model simulator  http://${HOST}:${simulatorPort}`);
    expect(run.stdout).toContain(`/metrics         http://${HOST}:${metricsPort}/metrics`);
    expect(run.stdout).toContain(`to ${receiver.url}/v1/traces  (service.name ${SERVICE})`);
    expect(run.stdout).toContain('5 requests/s');
  });

  it("serves vLLM's metrics from the simulator on the configured port", async () => {
    const text = await eventually(10_000, async () => {
      const body = await (await fetch(`http://${HOST}:${simulatorPort}/metrics`)).text();
      return /^vllm:request_success_total\{[^}]*\} [1-9]/m.test(body) ? body : undefined;
    });
    expect(text).toMatch(/^vllm:num_requests_running\{/m);
    expect(text).toMatch(/^vllm:time_to_first_token_seconds_bucket\{/m);
  });

  it("keeps the agent's llm_requests_total growing on the configured host and port", async () => {
    const metricsUrl = `http://${HOST}:${metricsPort}/metrics`;
    const first = await eventually(10_000, async () => ((await requestsCounted(metricsUrl)) > 0 ? requestsCounted(metricsUrl) : undefined));
    await eventually(10_000, async () => ((await requestsCounted(metricsUrl)) > first ? true : undefined));
  });

  it('sends model-call spans, successes and the planned 429s, under OTEL_SERVICE_NAME', async () => {
    const spans = await receiver.waitForSpans(
      (all) => {
        const calls = all.filter((span) => span.name.startsWith('chat '));
        return calls.some((span) => span.status.code === 2) && new Set(calls.map((span) => span.name)).size >= 3;
      },
      15_000,
    );
    const calls = spans.filter((span) => span.name.startsWith('chat '));
    for (const span of calls) expect(span.resource['service.name']).toBe(SERVICE);
    expect(new Set(calls.map((span) => span.name))).toEqual(new Set(['chat gpt-4o-mini', 'chat gpt-4o', 'chat claude-sonnet-4-5']));
  });

  it('prints no line per request', () => {
    // The banner only: the first summary comes after a minute.
    expect(run.stdout.trim().split('\n').length).toBeLessThanOrEqual(10);
  });

  it('stops on SIGTERM: the service ends, the agent flushes, exit code 0 within a few seconds', async () => {
    const spansBefore = receiver.spans.length;
    const sentAt = Date.now();
    run.child.kill('SIGTERM');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
    const exit = await run.exited;
    clearTimeout(timer);
    expect(exit, `--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(8_000);
    expect(() => process.kill(servicePid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(run.stdout).toMatch(/^Stopped after .*\d+ in all/m);
    // The calls in flight at SIGTERM end during the drain and are flushed before the service exits.
    expect(receiver.spans.length).toBeGreaterThan(spansBefore);
    await expect(fetch(`http://${HOST}:${simulatorPort}/metrics`)).rejects.toThrow();
  });
});

describe('llm-otel-agent demo --serve, when the service dies', () => {
  it('exits 1 with the service\'s exit and output, rather than serving nothing', async () => {
    const run = startCli(['demo', '--serve'], cleanEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_PROMETHEUS_PORT: String(await freePort(HOST)) }));
    const [, pid] = await run.waitFor(/chat service .*\(pid (\d+)\)/, 15_000);
    process.kill(Number(pid), 'SIGKILL');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
    const exit = await run.exited;
    clearTimeout(timer);
    expect(exit.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('the chat service exited (code null, signal SIGKILL)');
  });
});

describe('llm-otel-agent demo --serve settings', () => {
  it('refuses a bad setting with exit code 2 and names it', async () => {
    const result = await runCli(['demo', '--serve'], cleanEnv({ DEMO_RATE: '0', DEMO_SIMULATOR_PORT: 'http' }), 10_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DEMO_RATE="0"');
    expect(result.stderr).toContain('DEMO_SIMULATOR_PORT="http"');
    expect(result.stdout).toBe('');
  });

  it('documents its variables in --help', async () => {
    const result = await runCli(['demo', '--help'], cleanEnv(), 10_000);
    expect(result.code).toBe(0);
    for (const name of ['--serve', 'DEMO_SIMULATOR_HOST', 'DEMO_SIMULATOR_PORT', 'DEMO_RATE']) expect(result.stdout).toContain(name);
  });
});
