// BENCH_SCRAPE=1: what a scrape of the agent's /metrics costs the service. For 100 and 1,000 label
// sets (one call to each of that many models), the runner scrapes the service's endpoint from its
// own process, as Prometheus does (OpenMetrics), BENCH_SCRAPES times, and the service reports its own
// event-loop delay (monitorEventLoopDelay, 1 ms resolution) and CPU over each scrape. Two cases:
// nothing recorded between scrapes, and every label set recorded again before each scrape (every
// model called once more), so no series' text written at the last scrape can be reused.
import { get } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { CONFIGS } from './configs.mjs';
import { sendJson } from './http-client.mjs';
import { SERVICE_PATHS } from './service-protocol.mjs';
import { startService } from './session.mjs';
import { pin, pinRunner, SERVICE_CPU } from './pinning.mjs';
import { median } from './stats.mjs';

const LABEL_SETS = (process.env.BENCH_SCRAPE_LABEL_SETS ?? "100,1000").split(",").map(Number);
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';
const SETTLE_MS = 250;

async function freePort() {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * One scrape, its bytes counted and dropped: the scraper shares the service's two vCPUs here, and
 * fetch's buffering of 5 MB showed up in the service's loop delay as contention, which a Prometheus
 * on its own host does not cause.
 */
function scrape(port) {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics', headers: { accept: OPENMETRICS }, agent: false }, (response) => {
      let bytes = 0;
      response.on('data', (chunk) => (bytes += chunk.length));
      response.on('end', () => resolve(bytes));
      response.on('error', reject);
    }).on('error', reject);
  });
}

let pinned = false;

async function scrapeOne(config, backends, labelSets, allChanged, scrapes, log) {
  const port = await freePort();
  const service = await startService(config, backends, {
    concurrency: 2,
    extraEnv: { OTEL_EXPORTER_PROMETHEUS_PORT: String(port), OTEL_TRACES_EXPORTER: 'none', BENCH_DISTINCT_MODELS: String(labelSets) },
  });
  pinned = pin(service.child.pid, SERVICE_CPU) && pinRunner();
  try {
    await sendJson(service.agent, `${service.base}${SERVICE_PATHS.distinctModels}`);
    const runs = [];
    for (let i = 0; i <= scrapes; i++) {
      if (allChanged && i > 0) {
        await sendJson(service.agent, `${service.base}${SERVICE_PATHS.distinctModels}`);
        await setTimeout(SETTLE_MS); // the calls' own aftermath (sockets, their garbage) is not the scrape's
      }
      await sendJson(service.agent, `${service.base}${SERVICE_PATHS.loopStart}`);
      const bytes = await scrape(port);
      const loop = await sendJson(service.agent, `${service.base}${SERVICE_PATHS.loopStop}`);
      if (i > 0) runs.push({ bytes, ...loop }); // the first scrape warms the code up
    }
    // The floor: the same window with no scrape in it, as long as the median scrape took, after the same calls.
    const quiet = [];
    const windowMs = Math.max(5, median(runs.map((r) => r.wallMs ?? 0)));
    for (let i = 0; i < scrapes; i++) {
      if (allChanged) {
        await sendJson(service.agent, `${service.base}${SERVICE_PATHS.distinctModels}`);
        await setTimeout(SETTLE_MS); // as before a scrape: the calls' garbage is collected in these windows too
      }
      await sendJson(service.agent, `${service.base}${SERVICE_PATHS.loopStart}`);
      await setTimeout(windowMs);
      quiet.push(await sendJson(service.agent, `${service.base}${SERVICE_PATHS.loopStop}`));
    }
    const figures = {
      bytes: runs[0].bytes,
      maxMs: Math.max(...runs.map((r) => r.maxMs)),
      medianMaxMs: median(runs.map((r) => r.maxMs)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      cpuMs: median(runs.map((r) => r.cpuMs)),
      cpuRange: [Math.min(...runs.map((r) => r.cpuMs)), Math.max(...runs.map((r) => r.cpuMs))],
      gcMaxMs: Math.max(...runs.map((r) => r.gcPauseMaxMs ?? 0)),
      gcMedianMaxMs: median(runs.map((r) => r.gcPauseMaxMs ?? 0)),
      quietMaxMs: Math.max(...quiet.map((r) => r.maxMs)),
      quietGcMaxMs: Math.max(...quiet.map((r) => r.gcPauseMaxMs ?? 0)),
      quietMedianMaxMs: median(quiet.map((r) => r.maxMs)),
    };
    log(
      `  ${config.id}, ${labelSets} label sets${allChanged ? ', all changed' : ''}: ${(figures.bytes / 1024).toFixed(0)} KiB, ` +
        `loop max ${figures.maxMs.toFixed(1)} ms (per scrape: ${runs.map((r) => `${r.maxMs.toFixed(0)}/gc${(r.gcPauseMaxMs ?? 0).toFixed(0)}`).join(' ')}), CPU ${figures.cpuMs.toFixed(0)} ms`,
    );
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
    for (const allChanged of [false, true]) {
      for (const config of configs) {
        rows.push({ config, labelSets, allChanged, figures: await scrapeOne(config, backends, labelSets, allChanged, options.scrapes, log) });
      }
    }
  }
  const lines = [
    `## What a scrape of /metrics costs the service (BENCH_SCRAPE=1, ${options.scrapes} scrapes each)`,
    '',
    'Scraped from the runner process with an OpenMetrics Accept header, as Prometheus does; the event-loop delay and CPU are the',
    "service's own, over each scrape. Loop delay: the largest over all scrapes, and the median of each scrape's p99.",
    `Recorded between scrapes: nothing, or every label set again (each model called once more, ${SETTLE_MS} ms before the scrape).`,
    'Without a scrape: the same measurement over windows as long as the median scrape, after the same calls, with no scrape',
    "in them: the machine's and the service's own floor. GC: the longest garbage-collection pause of the service in a window.",
    pinned
      ? 'The service (all its threads) runs pinned to one vCPU and the scraper, which counts and drops the bytes, to the other (taskset).'
      : 'The service and the scraper, which counts and drops the bytes, share the machine\'s vCPUs (not pinned: no taskset or one CPU).',
    '',
    '| agent | label sets | recorded between scrapes | scrape size | event loop blocked, max [median of scrapes] | longest GC pause in a scrape, max [median] | without a scrape: blocked max [median], longest GC pause | loop delay p99 | CPU per scrape, median [min…max] |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { config, labelSets, allChanged, figures: f } of rows) {
    lines.push(
      `| ${config.label} | ${labelSets} | ${allChanged ? 'every label set' : 'nothing'} | ${(f.bytes / 1024).toFixed(0)} KiB | ${f.maxMs.toFixed(1)} ms [${f.medianMaxMs.toFixed(1)}] | ${f.gcMaxMs.toFixed(1)} ms [${f.gcMedianMaxMs.toFixed(1)}] | ${f.quietMaxMs.toFixed(1)} ms [${f.quietMedianMaxMs.toFixed(1)}], GC ${f.quietGcMaxMs.toFixed(1)} ms | ${f.p99Ms.toFixed(1)} ms | ` +
        `${f.cpuMs.toFixed(0)} ms [${f.cpuRange[0].toFixed(0)}…${f.cpuRange[1].toFixed(0)}] |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
