// The figures as Markdown: the summary table (also printed), the per-workload details, accuracy,
// the targets, and the run's facts (machine, Node, date, settings).
import os from 'node:os';
import { BASELINE_ID } from './configs.mjs';

const fixed = (digits) => (value) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const signed = (digits) => (value) => (Number.isFinite(value) ? `${value >= 0 ? '+' : ''}${value.toFixed(digits)}` : '–');

/** "median [min–max]" of a spread, or "–". */
function range(figure, format, { withRange = true } = {}) {
  if (!figure) return '–';
  if (!withRange || figure.n === 1) return format(figure.median);
  return `${format(figure.median)} [${format(figure.min)}…${format(figure.max)}]`;
}

function markdownTable(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** Where each row's accuracy figures are: under the streaming load, and with calls one at a time. */
const LOADED = (figures) => figures.workloads.stream?.accuracy;
const IDLE = (figures) => figures.idleAccuracy;

/** "none" for a tool with no TTFT attribute; "absent" when it has one but wrote it on none of these spans. */
function notReported(config, accuracy) {
  return config.ttftKey ? `absent (0 of ${accuracy.matchedSpans} spans)` : 'none';
}

function ttftCell(config, accuracy) {
  if (!accuracy) return '–';
  if (!accuracy.reported) return notReported(config, accuracy);
  return `${fixed(2)(accuracy.p50ErrorMs?.median)} / ${fixed(2)(accuracy.p99ErrorMs?.median)}`;
}

/** The summary: one row per configuration; medians over repeats, [min…max] where it matters most. */
export function summaryTable(allFigures, workloads) {
  const header = [
    'configuration',
    ...workloads.map((workload) => `throughput ratio: ${workload.id}`),
    'extra CPU / stream call (µs)',
    'extra CPU / chunk (µs)',
    'extra CPU / chunk, model calls only (µs)',
    'extra CPU / whole call, model calls only (µs)',
    'added p50 / p99 stream (ms)',
    'peak RSS (MB)',
    'start-up added (ms)',
    'TTFT abs. error p50 / p99, loaded (ms)',
    'TTFT abs. error p50 / p99, idle (ms)',
  ];
  const rows = allFigures.map((figures) => {
    const label = figures.config.label;
    if (figures.failed) return [label, `failed: ${figures.failed}`, ...header.slice(2).map(() => '')];
    const stream = figures.workloads.stream;
    const isBaseline = figures.config.id === BASELINE_ID;
    return [
      label,
      ...workloads.map((workload) => range(figures.workloads[workload.id].throughputRatio, fixed(3), { withRange: !isBaseline })),
      isBaseline ? `(${fixed(0)(stream.cpuPerCallUs?.median)} total)` : range(stream.extraCpuPerCallUs, fixed(0)),
      isBaseline ? '' : range(stream.extraCpuPerChunkUs, fixed(2)),
      isBaseline ? '' : range(figures.workloads.calls?.extraCpuPerChunkUs, fixed(2)),
      isBaseline ? `(${fixed(0)(figures.workloads['calls-chat']?.cpuPerCallUs?.median)} total)` : range(figures.workloads['calls-chat']?.extraCpuPerCallUs, fixed(0)),
      isBaseline
        ? `(${fixed(1)(stream.p50Ms?.median)} / ${fixed(1)(stream.p99Ms?.median)})`
        : `${signed(1)(stream.addedP50Ms?.median)} / ${signed(1)(stream.addedP99Ms?.median)}`,
      range(figures.peakRssMb, fixed(0), { withRange: false }),
      isBaseline ? `(${fixed(0)(figures.startupMs?.median)} total)` : range(figures.startupDeltaMs, signed(0)),
      ttftCell(figures.config, LOADED(figures)),
      ttftCell(figures.config, IDLE(figures)),
    ];
  });
  return markdownTable(header, rows);
}

function workloadDetail(allFigures, workload) {
  const header = ['configuration', 'timed calls', 'calls/s', 'throughput ratio', 'CPU / call (µs)', 'extra CPU / call (µs)', 'added p50 (ms)', 'added p99 (ms)', 'p50 / p99 (ms)', 'failed calls'];
  if (workload.streamed || workload.perChunk) header.splice(6, 0, 'extra CPU / chunk (µs)');
  const rows = allFigures
    .filter((figures) => !figures.failed)
    .map((figures) => {
      const w = figures.workloads[workload.id];
      const row = [
        figures.config.label,
        `${fixed(0)(w.timedCalls?.median)}${w.cutShortRepeats ? ` (time limit hit in ${w.cutShortRepeats} repeats)` : ''}`,
        range(w.throughput, fixed(0)),
        range(w.throughputRatio, fixed(3)),
        range(w.cpuPerCallUs, fixed(0)),
        range(w.extraCpuPerCallUs, signed(0)),
        range(w.addedP50Ms, signed(2)),
        range(w.addedP99Ms, signed(2)),
        `${fixed(2)(w.p50Ms?.median)} / ${fixed(2)(w.p99Ms?.median)}`,
        String(w.errors),
      ];
      if (workload.streamed || workload.perChunk) row.splice(6, 0, range(w.extraCpuPerChunkUs, signed(2)));
      return row;
    });
  return `### ${workload.label}\n\n${markdownTable(header, rows)}`;
}

function accuracyDetail(allFigures, pick) {
  const header = [
    'configuration',
    'TTFT attribute',
    'calls measured',
    'abs. error p50 (ms)',
    'abs. error p99 (ms)',
    'pooled p50 / p99 / max (ms)',
    'reported − truth, pooled p50 (ms)',
    'abs. error against the app read, pooled p50 / p99 (ms)',
    'simulator write → app read p50 / p99 (ms)',
    'spans exported per call',
  ];
  const rows = allFigures
    .filter((figures) => !figures.failed && pick(figures))
    .map((figures) => {
      const a = pick(figures);
      return [
        figures.config.label,
        figures.config.ttftKey ? `\`${figures.config.ttftKey}\`` : 'none',
        a.reported ? `${a.measuredCalls} of ${a.matchedSpans} spans` : notReported(figures.config, a),
        a.reported ? range(a.p50ErrorMs, fixed(3)) : 'none',
        a.reported ? range(a.p99ErrorMs, fixed(3)) : 'none',
        a.reported ? `${fixed(3)(a.pooledP50ErrorMs)} / ${fixed(3)(a.pooledP99ErrorMs)} / ${fixed(3)(a.pooledMaxErrorMs)}` : 'none',
        a.reported ? signed(3)(a.pooledSignedP50Ms) : 'none',
        a.reported ? `${fixed(3)(a.pooledReadP50ErrorMs)} / ${fixed(3)(a.pooledReadP99ErrorMs)}` : 'none',
        `${fixed(3)(a.simToClientP50Ms)} / ${fixed(3)(a.simToClientP99Ms)}`,
        range(a.spansPerCall, fixed(2)),
      ];
    });
  return markdownTable(header, rows);
}

function memoryAndStartup(allFigures) {
  const header = ['configuration', 'start-up (ms)', 'start-up added (ms)', 'peak RSS (MB)', 'RSS at end (MB)', 'repeats', 'failures'];
  const rows = allFigures.map((figures) => [
    figures.config.label,
    range(figures.startupMs, fixed(0)),
    figures.config.id === BASELINE_ID ? '' : range(figures.startupDeltaMs, signed(0)),
    range(figures.peakRssMb, fixed(0)),
    range(figures.rssEndMb, fixed(0)),
    String(figures.repeats),
    figures.failures.length ? figures.failures.join('; ') : '',
  ]);
  return markdownTable(header, rows);
}

/** The issue's targets for llm-otel-agent at 100 % sampling, each met or missed, with the figure. */
export function targetChecks(allFigures) {
  const agent = allFigures.find((figures) => figures.config.id === 'agent-100');
  if (!agent || agent.failed) return [];
  const stream = agent.workloads.stream;
  const calls = agent.workloads.calls;
  const peers = allFigures.filter((figures) => figures.config.id !== BASELINE_ID && !figures.config.id.startsWith('agent-') && !figures.failed);
  const checks = [
    { target: 'streaming throughput loss ≤ 3 % (ratio ≥ 0.97)', value: stream.throughputRatio?.median, met: (v) => v >= 0.97, format: fixed(3) },
    { target: 'extra CPU per streamed chunk < 2 µs', value: stream.extraCpuPerChunkUs?.median, met: (v) => v < 2, format: fixed(2) },
    { target: 'model calls only: streaming throughput ratio ≥ 0.95', value: calls?.throughputRatio?.median, met: (v) => v >= 0.95, format: fixed(3) },
    { target: 'model calls only: extra CPU per streamed chunk < 0.5 µs', value: calls?.extraCpuPerChunkUs?.median, met: (v) => v < 0.5, format: fixed(2) },
    {
      target: 'model span cost < 60 µs (extra CPU per non-streamed model call, no inbound HTTP)',
      value: agent.workloads['calls-chat']?.extraCpuPerCallUs?.median,
      met: (v) => v < 60,
      format: fixed(0),
    },
    { target: 'start-up added < 150 ms', value: agent.startupDeltaMs?.median, met: (v) => v < 150, format: signed(0) },
    { target: 'time-to-first-token abs. error p99 < 1 ms, under the streaming load', value: stream.accuracy?.p99ErrorMs?.median, met: (v) => v < 1, format: fixed(3) },
    { target: 'time-to-first-token abs. error p99 < 1 ms, calls one at a time', value: agent.idleAccuracy?.p99ErrorMs?.median, met: (v) => v < 1, format: fixed(3) },
    {
      target: 'plain HTTP throughput at least OpenTelemetry HTTP instrumentation’s (sdk-node row)',
      value: agent.workloads.plain?.throughputRatio?.median,
      reference: allFigures.find((figures) => figures.config.id === 'otel-contrib')?.workloads.plain?.throughputRatio?.median,
      met: (v, ref) => ref === undefined || v >= ref,
      format: fixed(3),
    },
  ];
  for (const peer of peers) {
    checks.push({
      target: `model calls only: lower streaming overhead than ${peer.config.label} (throughput ratio higher)`,
      value: calls?.throughputRatio?.median,
      reference: peer.workloads.calls?.throughputRatio?.median,
      met: (v, ref) => ref === undefined || v > ref,
      format: fixed(3),
    });
    checks.push({
      target: `lower streaming overhead than ${peer.config.label} (throughput ratio higher)`,
      value: stream.throughputRatio?.median,
      reference: peer.workloads.stream.throughputRatio?.median,
      met: (v, ref) => ref === undefined || v > ref,
      format: fixed(3),
    });
  }
  return checks.map((check) => ({
    target: check.target,
    figure: check.reference === undefined ? check.format(check.value) : `${check.format(check.value)} vs ${check.format(check.reference)}`,
    met: Number.isFinite(check.value) ? check.met(check.value, check.reference) : false,
  }));
}

function machineFacts() {
  const cpus = os.cpus();
  return [
    `- Machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} logical CPUs (shared with other work), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; date ${new Date().toISOString()}`,
  ];
}

/** The whole results file. `extra` holds ready Markdown sections (profile, soak) to append. */
export function resultsMarkdown({ allFigures, workloads, options, versions, elapsedS, extra = [] }) {
  const checks = targetChecks(allFigures);
  return [
    '# llm-otel-agent benchmark results',
    '',
    ...machineFacts(),
    `- Settings: ${options.repeats} alternating repeats; per repeat and configuration, ${workloads
      .map((w) => `${options.calls * w.callsFactor} timed ${w.id} calls`)
      .join(', ')} after ${options.warmup} warm-up calls each (no new call after ${options.phaseLimitMs / 1000} s in one phase); concurrency ${options.concurrency}; ${options.chunks} content chunks per streamed call, no simulated delay, ${options.separateWrites ? 'each event in its own write (the service reads about one body chunk an event)' : 'the whole stream in one write (BENCH_SEPARATE_WRITES=0: one body chunk a call)'}; streams ${options.includeUsage ? 'with' : 'without'} \`stream_options.include_usage\`; ${options.pinned ? 'the service pinned to one vCPU while measured, the runner, simulator and sink to the other (taskset)' : 'not pinned (the service, the runner and the backends share the vCPUs)'}${options.quick ? '; QUICK smoke run (BENCH_QUICK=1): figures are indicative only' : ''}`,
    `- Versions: ${Object.entries(versions).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    `- Run time: ${elapsedS.toFixed(0)} s`,
    '',
    'Each configuration runs the service (`bench/service.mjs`) as its own child process, started fresh in every repeat; the',
    'simulator and the OTLP sink share another process; the runner is the load generator. Figures are medians over repeats',
    'with [min…max]; every ratio or difference is paired with the no-agent run of the same repeat. CPU is the service',
    "process's own `process.cpuUsage()` over the timed phase. Exporters: OTLP/HTTP JSON to a local sink that discards.",
    '',
    '## Summary',
    '',
    summaryTable(allFigures, workloads),
    '',
    '![throughput ratio against no agent](results.svg)',
    '',
    '## Targets (llm-otel-agent, 100 % sampling)',
    '',
    markdownTable(['target', 'figure', 'met'], checks.map((check) => [check.target, check.figure, check.met ? 'yes' : '**no**'])),
    '',
    '## Time to first token: accuracy',
    '',
    'Truth per call: when the first content bytes reached the service process, stamped by the bench\'s own',
    'diagnostics-channel observer of undici\'s body chunks (installed in every row, no-agent included;',
    '`performance.timeOrigin + performance.now()`); the tool\'s own span start comes from the exported span;',
    'error = |reported − (receive − span start)|. Spans are matched to calls by `gen_ai.response.id`. The error is also shown',
    'against the app read: when the service\'s SDK iterator yielded the first content chunk. That adds the SDK\'s own pipeline',
    '(its response promise, line splitting and JSON parse before it yields), so the app reads the first token up to a',
    'millisecond or more after it arrived even when idle; no tool that stamps arrivals can match it. The simulator column is',
    'how long after the simulator wrote the first content chunk the app read it, for reference.',
    '',
    `Under the streaming load (concurrency ${options.concurrency}, the service's CPU saturated, so the event loop queues`,
    'work between the bytes\' arrival and the application\'s read):',
    '',
    accuracyDetail(allFigures, LOADED),
    '',
    `With calls one at a time (${options.idleAccuracyCalls} calls per repeat, the service otherwise idle):`,
    '',
    accuracyDetail(allFigures, IDLE),
    '',
    '## Per workload',
    '',
    ...workloads.flatMap((workload) => [workloadDetail(allFigures, workload), '']),
    '## Start-up and memory',
    '',
    'Start-up: from spawning `node [preload] service.mjs` to the answer of its first request, the median of several starts a repeat. Peak RSS: the child\'s maxRSS',
    'after all workloads. The 100,000-call RSS check is its own mode (`BENCH_SOAK=1`, see below when present).',
    '',
    memoryAndStartup(allFigures),
    '',
    ...extra,
  ].join('\n');
}
