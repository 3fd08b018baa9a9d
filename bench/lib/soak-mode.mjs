// BENCH_SOAK=1: 100,000 streamed calls (BENCH_SOAK_CALLS) through one service child, without and with
// the agent, reading RSS and heap after a forced GC every BENCH_SOAK_EVERY calls. Flat means no leak.
import { CONFIGS } from './configs.mjs';
import { sendJson } from './http-client.mjs';
import { runLoad } from './load.mjs';
import { SERVICE_PATHS } from './service-protocol.mjs';
import { startService } from './session.mjs';
import { WORKLOADS } from './workloads.mjs';

const SOAK_CONFIG_IDS = ['none', 'agent-100'];
const MB = 1024 * 1024;

async function soakOne(config, backends, options, log) {
  const workload = WORKLOADS.find((candidate) => candidate.id === 'stream');
  const service = await startService(config, backends, { concurrency: options.concurrency, nodeFlags: ['--expose-gc'] });
  const url = `${service.base}${workload.path}`;
  const checkpoints = [];
  try {
    for (let done = 0; done < options.soakCalls; ) {
      const calls = Math.min(options.soakEvery, options.soakCalls - done);
      const result = await runLoad({ agent: service.agent, url, method: workload.method, calls, concurrency: options.concurrency });
      done += calls;
      // Keep the other processes' records from growing; the service's own records are bounded too.
      await sendJson(service.agent, `${backends.simUrl}/_sim/calls`, 'DELETE');
      await sendJson(service.agent, `${service.base}${SERVICE_PATHS.records}`);
      const usage = await sendJson(service.agent, `${service.base}${SERVICE_PATHS.gc}`);
      checkpoints.push({ calls: done, rssMb: usage.rss / MB, heapMb: usage.heapUsed / MB, callsPerS: (calls / result.elapsedMs) * 1000 });
      log(`  ${config.id}: ${done} calls, RSS ${(usage.rss / MB).toFixed(1)} MB, heap ${(usage.heapUsed / MB).toFixed(1)} MB`);
    }
  } finally {
    await service.stop();
  }
  return checkpoints;
}

/** Runs the soak and returns the Markdown section. */
export async function runSoak(backends, options, log) {
  const sections = [
    `## RSS over ${options.soakCalls.toLocaleString('en')} streamed calls (BENCH_SOAK=1)`,
    '',
    `Concurrency ${options.concurrency}, ${options.chunks} chunks a call; RSS and heap read after \`global.gc()\` every ${options.soakEvery.toLocaleString('en')} calls. Run ${new Date().toISOString()}, Node ${process.version}.`,
    '',
  ];
  for (const id of SOAK_CONFIG_IDS) {
    const config = CONFIGS.find((candidate) => candidate.id === id);
    const checkpoints = await soakOne(config, backends, options, log);
    const first = checkpoints[0];
    const last = checkpoints[checkpoints.length - 1];
    sections.push(
      `### ${config.label}`,
      '',
      '| calls | RSS (MB) | heap used (MB) | calls/s in the block |',
      '|---|---|---|---|',
      ...checkpoints.map((point) => `| ${point.calls.toLocaleString('en')} | ${point.rssMb.toFixed(1)} | ${point.heapMb.toFixed(1)} | ${point.callsPerS.toFixed(0)} |`),
      '',
      `Growth from the first checkpoint to the last: RSS ${(last.rssMb - first.rssMb).toFixed(1)} MB, heap ${(last.heapMb - first.heapMb).toFixed(1)} MB.`,
      '',
    );
  }
  return sections.join('\n');
}
