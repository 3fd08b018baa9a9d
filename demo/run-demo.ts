// The demo, start to end: a model simulator and an OTLP receiver in this process, the sample chat
// service in a child process with the agent preloaded, a bounded load, then a report of what the
// agent's /metrics and traces show. Everything started here is stopped here, on success, failure
// and abort alike.
import { Cleanup } from './cleanup.js';
import { DemoFailure, gpuInterval, gpuLine, LOOPBACK, SERVICE_NAME, SERVICE_STOP_GRACE_MS, serviceLine, serviceOutput, startDemoStack } from './demo-stack.js';
import { freePort } from './free-port.js';
import { planRequests, runLoad, type RequestOutcome } from './load.js';
import { modelRows, type ModelRow } from './model-report.js';
import { scrapeOpenMetrics } from './openmetrics-parse.js';
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from './otlp-receiver.js';
import { formatModelTable, progressMark, summarizeOutcomes, unexpectedOutcomes } from './report.js';
import type { ServiceProcess } from './service-process.js';
import { DEMO_ENV, type DemoSettings } from './settings.js';
import { renderSpanTree, WATERFALL_LEGEND } from './span-tree.js';
import { LOG_PREFIX } from '../agent/log.js';

export { DemoFailure };

export interface DemoOutput {
  write(text: string): unknown;
}

/** The user interrupted the demo (Ctrl-C). */
export class DemoAborted extends Error {
  constructor() {
    super('interrupted');
  }
}

const TRACE_WAIT_MS = 5_000;

/** The service's whole environment: the agent configured as a user would, pointed at this process. */
function agentEnv(to: { otlpUrl: string; metricsPort: number; gpu: boolean }): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: SERVICE_NAME,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: to.otlpUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Spans reach the receiver within half a second rather than the default five.
    OTEL_BSP_SCHEDULE_DELAY: '500',
    OTEL_METRICS_EXPORTER: 'prometheus',
    OTEL_EXPORTER_PROMETHEUS_HOST: LOOPBACK,
    OTEL_EXPORTER_PROMETHEUS_PORT: String(to.metricsPort),
    LLM_OTEL_GPU_INTERVAL: gpuInterval(to.gpu),
  };
}

export async function runDemo(settings: DemoSettings, output: DemoOutput, signal: AbortSignal): Promise<void> {
  const say = (line = '') => output.write(`${line}\n`);
  const checkpoint = () => {
    if (signal.aborted) throw new DemoAborted();
  };
  const began = performance.now();
  const cleanup = new Cleanup();
  try {
    const receiver = await startOtlpJsonReceiver();
    cleanup.add('OTLP receiver', () => receiver.close());
    const metricsPort = await freePort(LOOPBACK);
    checkpoint();

    const stack = await startDemoStack(cleanup, {
      simulatorHost: LOOPBACK,
      simulatorPort: 0,
      agentEnv: (gpu) => agentEnv({ otlpUrl: receiver.url, metricsPort, gpu }),
    });
    const { simulator, service: running } = stack;
    const metricsUrl = `http://${LOOPBACK}:${metricsPort}/metrics`;
    checkpoint();

    say('llm-otel-agent demo: a chat service run with the agent preloaded, a model simulator and a load generator');
    say();
    say(`  model simulator  ${simulator.url}  OpenAI and Anthropic wire formats (in this process)`);
    say(`  OTLP receiver    ${receiver.url}  traces as OTLP/HTTP JSON, kept in memory (in this process)`);
    say(serviceLine(stack));
    say(`  /metrics         ${metricsUrl}  the agent's Prometheus endpoint, inside the service`);
    say(gpuLine(stack));
    say();

    const outcomes = await sendLoad(running.url, settings, output, signal);
    checkpoint();
    const unexpected = unexpectedOutcomes(outcomes);
    if (outcomes.length < settings.requests) unexpected.unshift(`the load deadline (${settings.loadDeadlineMs / 1000} s, ${DEMO_ENV.timeoutSeconds}) passed after ${outcomes.length} of ${settings.requests} requests`);
    if (unexpected.length > 0) throw new DemoFailure(`the service did not answer as planned:\n  ${unexpected.slice(0, 5).join('\n  ')}${serviceOutput(running)}`);

    const rows = await scrapeModelRows(metricsUrl, outcomes.length, running);
    checkpoint();
    say(`Scraped ${metricsUrl} as Prometheus does (Accept: application/openmetrics-text):`);
    say();
    for (const line of formatModelTable(rows)) say(`  ${line}`);
    say();
    say('  requests: llm_requests_total; errors: llm_errors_total; TTFT (time to first token): p50 and p95 interpolated');
    say('  from the llm_first_token_latency_seconds buckets, as histogram_quantile() does; tokens out: llm_tokens_generated_total;');
    say('  exemplar: the trace id the agent attached to the slowest first-token bucket it filled.');
    say();

    // SIGTERM, as an orchestrator would stop it: the agent flushes every span before the process exits.
    await running.stop(SERVICE_STOP_GRACE_MS);
    checkpoint();
    say(`Stopped the service (SIGTERM; the agent flushed its spans): the receiver holds ${receiver.spans.length} spans.`);
    await showExemplarTraces(rows, receiver, say, checkpoint);
    showAgentLog(running, say);
    say();
    say(`Done in ${((performance.now() - began) / 1000).toFixed(1)} s.`);
  } catch (error) {
    if (signal.aborted) throw new DemoAborted();
    throw error;
  } finally {
    const failures = await cleanup.run();
    if (failures.length > 0) say(`(while stopping: ${failures.join('; ')})`);
  }
}

async function sendLoad(serviceUrl: string, settings: DemoSettings, output: DemoOutput, signal: AbortSignal): Promise<RequestOutcome[]> {
  const plan = planRequests(settings.requests);
  const models = [...new Set(plan.map((request) => request.model))];
  output.write(`Sending ${plan.length} requests over ${models.length} models (${models.join(', ')}), ${settings.concurrency} at a time:\n  `);
  const started = performance.now();
  const outcomes = await runLoad(serviceUrl, plan, {
    concurrency: settings.concurrency,
    deadlineMs: settings.loadDeadlineMs,
    signal,
    onOutcome: (outcome) => output.write(progressMark(outcome)),
  });
  const elapsed = ((performance.now() - started) / 1000).toFixed(1);
  output.write(`\n  ${outcomes.length}/${plan.length} in ${elapsed} s: ${summarizeOutcomes(outcomes)}\n\n`);
  return outcomes;
}

async function scrapeModelRows(metricsUrl: string, callsSent: number, service: ServiceProcess): Promise<ModelRow[]> {
  let rows: ModelRow[];
  try {
    rows = modelRows(await scrapeOpenMetrics(metricsUrl));
  } catch (error) {
    throw new DemoFailure(`cannot read the service's metrics at ${metricsUrl}: ${error instanceof Error ? error.message : String(error)}${serviceOutput(service)}`);
  }
  const counted = rows.reduce((total, row) => total + row.requests, 0);
  if (counted !== callsSent) {
    throw new DemoFailure(`the agent counted ${counted} model calls, the load generator made ${callsSent}${serviceOutput(service)}`);
  }
  if (!rows.some((row) => row.slowestExemplar)) throw new DemoFailure(`no first-token exemplar in ${metricsUrl}${serviceOutput(service)}`);
  return rows;
}

interface TraceToShow {
  traceId: string;
  title: string;
}

/** Each model's slowest-first-token exemplar, then one failed call's. */
function tracesToShow(rows: readonly ModelRow[]): TraceToShow[] {
  const traces: TraceToShow[] = [];
  for (const { model, slowestExemplar } of rows) {
    if (slowestExemplar) traces.push({ traceId: slowestExemplar.traceId, title: `the exemplar of ${model}, first token after ${slowestExemplar.value.toFixed(3)} s` });
  }
  const failed = rows.find((row) => row.errorExemplar);
  if (failed?.errorExemplar) {
    traces.push({ traceId: failed.errorExemplar.traceId, title: `a failed call of ${failed.model} (the exemplar on llm_errors_total, error_type ${failed.errorTypes.join(', ')})` });
  }
  return traces;
}

async function showExemplarTraces(rows: readonly ModelRow[], receiver: OtlpJsonReceiver, say: (line?: string) => void, checkpoint: () => void): Promise<void> {
  for (const { traceId, title } of tracesToShow(rows)) {
    checkpoint();
    const spans = await receiver.waitForTrace(traceId, TRACE_WAIT_MS);
    if (spans.length === 0) {
      const refused = receiver.errors.length > 0 ? `; the receiver refused exports: ${receiver.errors.slice(0, 3).join('; ')}` : '';
      throw new DemoFailure(`trace ${traceId} (${title}) never reached the OTLP receiver${refused}`);
    }
    say();
    say(`Trace ${traceId}: ${title}`);
    for (const line of renderSpanTree(spans)) say(`  ${line}`);
  }
  say();
  say(`  ${WATERFALL_LEGEND}`);
}



/** The agent's own lines on the service's stderr: shown, since a user would see them too. */
function showAgentLog(service: ServiceProcess, say: (line?: string) => void): void {
  const lines = service.output().split('\n').filter((line) => line.startsWith(LOG_PREFIX));
  if (lines.length === 0) return;
  say();
  say("The agent's log in the service (stderr):");
  for (const line of lines) say(`  ${line}`);
}
