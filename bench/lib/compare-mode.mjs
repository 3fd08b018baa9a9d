// The default mode: every configuration, every workload, in alternating repeats.
import { BASELINE_ID } from './configs.mjs';
import { median } from './stats.mjs';
import { measureIdleAccuracy, measureWorkload, readUsage, startService } from './session.mjs';
import { OTHERS_CPU, pin, pinRunner, SERVICE_CPU } from './pinning.mjs';

/** Repeat r starts at a different row, so no row is always measured first or last. */
function rotated(list, by) {
  const shift = by % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

/**
 * The repeat's start-up figure: the median of `startupSamples` starts, the measured child's own and
 * more that only start and stop. One start swings by tens of milliseconds on a shared machine,
 * which is the size of the difference the start-up target is about.
 */
async function medianStartup(config, backends, options, firstMs) {
  const samples = [firstMs];
  while (samples.length < options.startupSamples) {
    const service = await startService(config, backends, { concurrency: options.concurrency });
    samples.push(service.startupMs);
    await service.stop();
  }
  return median(samples);
}

/** One child for `config`: start-up, every workload, final memory. Throws on failure. */
async function measureConfig(config, backends, workloads, options, repeat) {
  const service = await startService(config, backends, { concurrency: options.concurrency });
  let run;
  try {
    // Started on both vCPUs (start-up is measured as a service starts); measured on its own.
    if (options.pinned) pin(service.child.pid, SERVICE_CPU);
    run = { repeat, startupMs: service.startupMs, workloads: {} };
    for (const workload of workloads) run.workloads[workload.id] = await measureWorkload(service, workload, config, backends, options);
    const streamed = workloads.find((workload) => workload.streamed);
    if (streamed) run.idleAccuracy = await measureIdleAccuracy(service, streamed, config, backends, options);
    const usage = await readUsage(service);
    run.peakRss = usage.maxRss;
    run.rssEnd = usage.rss;
  } catch (err) {
    const log = service.logLines.slice(-3).join(' | ');
    throw new Error(`${err.message}${log ? ` (service log: ${log})` : ''}`);
  } finally {
    await service.stop();
  }
  run.startupMs = await medianStartup(config, backends, options, run.startupMs);
  return run;
}

/** Returns { [configId]: runs[] }; a failed run is `{ repeat, failed: reason }`. */
export async function runComparison({ backends, configs, workloads, options, log }) {
  options.pinned = options.pin && pin(backends.pid, OTHERS_CPU) && pinRunner();
  const runsByConfig = Object.fromEntries(configs.map((config) => [config.id, []]));
  for (let repeat = 0; repeat < options.repeats; repeat++) {
    for (const config of rotated(configs, repeat)) {
      const started = performance.now();
      try {
        const run = await measureConfig(config, backends, workloads, options, repeat);
        runsByConfig[config.id].push(run);
        const stream = run.workloads.stream;
        log(
          `repeat ${repeat + 1}/${options.repeats} ${config.id.padEnd(13)} start-up ${run.startupMs.toFixed(0)} ms, ` +
            workloads.map((w) => `${w.id} ${run.workloads[w.id].throughput.toFixed(0)}/s`).join(', ') +
            (stream ? `, stream CPU ${stream.cpuPerCallUs.toFixed(0)} µs/call` : '') +
            ` (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      } catch (err) {
        const reason = String(err.message).slice(0, 300);
        runsByConfig[config.id].push({ repeat, failed: reason });
        log(`repeat ${repeat + 1}/${options.repeats} ${config.id}: FAILED ${reason}`);
        // A failed baseline would leave nothing to compare with; a failed peer is reported as such.
        if (config.id === BASELINE_ID) throw err;
      }
    }
  }
  return runsByConfig;
}
