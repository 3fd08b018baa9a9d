// BENCH_PROFILE=1: one workload (BENCH_PROFILE_WORKLOAD, streaming by default) under llm-otel-agent at
// 100 % sampling with --cpu-prof on the service child, and the same without the agent; reports where
// the service's CPU went, per call, and the agent's top frames. The agent runs from its unbundled build
// here (the same code as the bundle users get), so frames can be told apart by package.
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIGS } from './configs.mjs';
import { analyseCpuProfile } from './cpu-profile.mjs';
import { sendJson } from './http-client.mjs';
import { runLoad } from './load.mjs';
import { BENCH_DIR, modelCallsUrl, startService } from './session.mjs';
import { WORKLOADS } from './workloads.mjs';

const AGENT_DIST = realpathSync(join(BENCH_DIR, '..', 'dist', 'agent'));
const UNBUNDLED_PRELOAD = ['--import', join(AGENT_DIST, 'register.js')];

/** Code areas, most specific first: the agent, OpenTelemetry, the openai SDK, Node itself. */
const AREAS = [
  { name: 'llm-otel-agent', test: (url) => url.includes(AGENT_DIST) },
  { name: '@opentelemetry/*', test: (url) => url.includes('/node_modules/@opentelemetry/') },
  { name: 'openai SDK', test: (url) => url.includes('/node_modules/openai/') },
  { name: 'module hooks', test: (url) => /\/node_modules\/(?:import|require)-in-the-middle\//.test(url) },
  { name: 'other packages', test: (url) => url.includes('/node_modules/') },
  { name: 'bench service', test: (url) => url.includes(BENCH_DIR) },
  { name: 'node internals', test: (url) => url.startsWith('node:') },
  { name: 'garbage collector', test: (url, functionName) => functionName === '(garbage collector)' },
  { name: '(program, native)', test: (url) => url === '' },
];

/** Code that only runs because an agent is loaded: its entry points are charged with all they call. */
const INSTRUMENTATION_AREAS = ['llm-otel-agent', '@opentelemetry/*', 'module hooks'];

const shortFrame = (frame) => frame.replace(AGENT_DIST, 'dist/agent').replace(/^.*\/node_modules\//, '');

/** Profiles one service child over the streaming workload; returns the analysis and the profile path. */
async function profileConfig(config, backends, options) {
  const workload = WORKLOADS.find((candidate) => candidate.id === options.profileWorkload);
  if (!workload) throw new Error(`BENCH_PROFILE_WORKLOAD=${options.profileWorkload}: not one of ${WORKLOADS.map((w) => w.id).join(', ')}`);
  const dir = join(BENCH_DIR, '.tmp', 'profile', config.id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const service = await startService(config, backends, { concurrency: options.concurrency, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  if (workload.internal) {
    const loop = (calls) => modelCallsUrl(service, workload, calls, options.concurrency);
    await sendJson(service.agent, loop(options.warmup));
    await sendJson(service.agent, loop(options.profileCalls));
  } else {
    const url = `${service.base}${workload.path}`;
    await runLoad({ agent: service.agent, url, method: workload.method, calls: options.warmup, concurrency: options.concurrency });
    await runLoad({ agent: service.agent, url, method: workload.method, calls: options.profileCalls, concurrency: options.concurrency });
  }
  await service.stop();
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir} (did the service exit cleanly?)`);
  const analysis = analyseCpuProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), {
    areas: AREAS,
    focus: 'llm-otel-agent',
    entryAreas: INSTRUMENTATION_AREAS,
  });
  return { analysis, file: join('bench', '.tmp', 'profile', config.id, file) };
}

/** Profiles the service without and with the agent and returns the Markdown section. */
export async function runProfile(backends, options) {
  const byId = (id) => CONFIGS.find((candidate) => candidate.id === id);
  const baseline = await profileConfig(byId('none'), backends, options);
  const agentConfig = byId('agent-100');
  const agent = await profileConfig({ ...agentConfig, preload: UNBUNDLED_PRELOAD }, backends, options);
  const streamed = options.profileWorkload === 'stream' || options.profileWorkload === 'calls';
  return profileMarkdown(baseline, agent, { calls: options.warmup + options.profileCalls, chunks: streamed ? options.chunks : 0, workload: options.profileWorkload });
}

function profileMarkdown(baseline, agent, { calls, chunks, workload }) {
  const ms = (value) => value.toFixed(1);
  const pct = (share) => `${(share * 100).toFixed(1)} %`;
  const perCallUs = (value) => ((value * 1000) / calls).toFixed(0);
  const perChunkUs = (value) => ((value * 1000) / (calls * chunks)).toFixed(2);
  const perChunk = (value) => (chunks ? `,\n${perChunkUs(value)} µs a chunk)` : ')');
  const entryRow = (label, value) => `| ${label} | ${ms(value)} | ${perCallUs(value)} |${chunks ? ` ${perChunkUs(value)} |` : ''}`;
  const rows = (list) => list.map((entry) => `| \`${shortFrame(entry.frame)}\` | ${ms(entry.ms)} | ${pct(entry.share)} | ${perCallUs(entry.ms)} |`);
  const areaMs = (analysis, area) => analysis.selfByArea.find((entry) => entry.area === area)?.ms ?? 0;
  const areas = [...new Set([...agent.analysis.selfByArea, ...baseline.analysis.selfByArea].map((entry) => entry.area))];
  const a = agent.analysis;
  return [
    `## CPU profile: ${workload}, no agent against llm-otel-agent at 100 % sampling`,
    '',
    `\`node --cpu-prof\` on the service child for ${calls} calls each (warm-up included)${chunks ? `, ${chunks} chunks a call` : ''};`,
    `profiles: \`${baseline.file}\`, \`${agent.file}\`. Sampled: ${ms(baseline.analysis.totalMs)} ms without, ${ms(a.totalMs)} ms with the agent.`,
    `With an agent frame anywhere on the stack: ${ms(a.underFocusMs)} ms (${pct(a.underFocusMs / a.totalMs)}, ${perCallUs(a.underFocusMs)} µs a call${perChunk(a.underFocusMs)}.`,
    `The rest of the difference is spread over the areas below (GC and Node`,
    'internals such as diagnostics channels and async context, the OpenTelemetry SDK called from instrumentations).',
    '',
    '| code area (self time) | no agent, µs a call | agent, µs a call | difference, µs a call |',
    '|---|---|---|---|',
    ...areas.map((area) => `| ${area} | ${perCallUs(areaMs(baseline.analysis, area))} | ${perCallUs(areaMs(a, area))} | ${perCallUs(areaMs(a, area) - areaMs(baseline.analysis, area))} |`),
    `| total | ${perCallUs(baseline.analysis.totalMs)} | ${perCallUs(a.totalMs)} | ${perCallUs(a.totalMs - baseline.analysis.totalMs)} |`,
    '',
    '### Instrumentation CPU by entry point',
    '',
    'Each sample is charged to the outermost agent, OpenTelemetry or module-hook frame on its stack, with',
    'everything that frame called (SDK, Node internals). The fetch tap\'s `onChunk` runs once per body chunk',
    `of a model response (about ${chunks || 'no'} a call here); the others run once or a few times per call; module`,
    'evaluation and the require hook are start-up, spread here over the calls of the run.',
    '',
    `| entry point | ms | µs per call |${chunks ? ' µs per chunk |' : ''}`,
    `|---|---|---|${chunks ? '---|' : ''}`,
    ...a.byEntry.map((entry) => entryRow(`\`${shortFrame(entry.frame)}\``, entry.ms)),
    entryRow('all entry points', a.entryTotalMs),
    '',
    '### Top agent frames by inclusive time (the agent function and everything it called)',
    '',
    '| frame | ms | share of all | µs per call |',
    '|---|---|---|---|',
    ...rows(a.topInclusive),
    '',
    '### Top agent frames by self time',
    '',
    '| frame | ms | share of all | µs per call |',
    '|---|---|---|---|',
    ...rows(a.topSelf),
    '',
  ].join('\n');
}
