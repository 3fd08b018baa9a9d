// BENCH_SCRAPE=1: what a scrape of the agent's /metrics costs the service. For 100 and 1,000 label
// sets (one call to each of that many models), the runner scrapes the service's endpoint from its
// own process, as Prometheus does (OpenMetrics), BENCH_SCRAPES times, and the service reports its own
// event-loop delay (monitorEventLoopDelay, 1 ms resolution) and CPU over each scrape.
import { createServer } from 'node:net';
import { CONFIGS } from './configs.mjs';
import { sendJson } from './http-client.mjs';
import { SERVICE_PATHS } from './service-protocol.mjs';
import { startService } from './session.mjs';
import { median } from './stats.mjs';

const LABEL_SETS = [100, 1000];
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function scrapeOne(config, backends, labelSets, scrapes, log) {
  const port = await freePort();
  const service = await startService(config, backends, {
    concurrency: 2,
    extraEnv: { OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_TRACES_EXPORTER: 'none', BENCH_DISTINCT_MODELS: String(labelSets) },
  });
  try {
    await sendJson(service.agent, `${service.base}${SERVICE_PATHS.distinctModels}`);
    const runs = [];
    for (let i = 0; i <= scrapes; i++) {
      await sendJson(service.agent, `${service.base}${SERVICE_PATHS.loopStart}`);
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { accept: OPENMETRICS } });
      const bytes = (await response.arrayBuffer()).byteLength;
      const loop = await sendJson(service.agent, `${service.base}${SERVICE_PATHS.loopStop}`);
      if (i > 0) runs.push({ bytes, ...loop }); // the first scrape warms the code up
    }
    const figures = {
      bytes: runs[0].bytes,
      maxMs: Math.max(...runs.map((r) => r.maxMs)),
      medianMaxMs: median(runs.map((r) => r.maxMs)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      cpuRange: [Math.min(...runs.map((r) => r.cpuMs)), Math.max(...runs.map((r) => r.cpuMs))],
    };
    log(`  ${config.id}, ${labelSets} label sets: ${(figures.bytes / 1024).toFixed(0)} KiB, loop max ${figures.maxMs.toFixed(1)} ms, CPU ${figures.cpuMs.toFixed(0)} ms`);
    return figures;
  } finally {
    await service.stop();
  }
}

/** Runs the scrape measurements and returns the Markdown section. */
export async function runScrape(backends, options, log) {
  const configs = CONFIGS.filter((config) => config.id === 'agent-100' || config.id === 'agent-compare');
  const rows = [];
  for (const labelSets of LABEL_SETS) {
    for (const config of configs) rows.push({ config, labelSets, figures: await scrapeOne(config, backends, labelSets, options.scrapes, log) });
  }
  const lines = [
    `## What a scrape of /metrics costs the service (BENCH_SCRAPE=1, ${options.scrapes} scrapes each)`,
    '',
    'Scraped from the runner process with an OpenMetrics Accept header, as Prometheus does; the event-loop delay and CPU are the',
    "service's own, over each scrape. Loop delay: the largest over all scrapes, and the median of each scrape's p99.",
    '',
    '| agent | label sets | scrape size | event loop blocked, max [median of scrapes] | loop delay p99 | CPU per scrape, median [min…max] |',
    '|---|---|---|---|---|---|',
  ];
  for (const { config, labelSets, figures: f } of rows) {
    lines.push(
      `| ${config.label} | ${labelSets} | ${(f.bytes / 1024).toFixed(0)} KiB | ${f.maxMs.toFixed(1)} ms [${f.medianMaxMs.toFixed(1)}] | ${f.p99Ms.toFixed(1)} ms | ` +
        `${f.cpuMs.toFixed(0)} ms [${f.cpuRange[0].toFixed(0)}…${f.cpuRange[1].toFixed(0)}] |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
