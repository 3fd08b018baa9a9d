// From raw per-repeat measurements to the reported figures. Every comparison is paired: a row's
// figure in repeat r against the baseline's figure in the same repeat r, then min/median/max over r.
import { BASELINE_ID } from './configs.mjs';
import { percentile, spread } from './stats.mjs';

const MB = 1024 * 1024;

/** Values of `pick(run, baselineRun)` over the repeats where both the row and the baseline succeeded. */
function paired(runs, baselineRuns, pick) {
  const values = [];
  for (const run of runs) {
    const baseline = baselineRuns.find((candidate) => candidate.repeat === run.repeat);
    if (run.failed || !baseline || baseline.failed) continue;
    const value = pick(run, baseline);
    if (value !== undefined) values.push(value);
  }
  return spread(values);
}

function workloadFigures(runs, baselineRuns, workload, chunks) {
  const of = (run) => run.workloads?.[workload.id];
  const figures = {
    throughput: paired(runs, baselineRuns, (run) => of(run)?.throughput),
    throughputRatio: paired(runs, baselineRuns, (run, base) => of(run) && of(run).throughput / of(base).throughput),
    cpuPerCallUs: paired(runs, baselineRuns, (run) => of(run)?.cpuPerCallUs),
    extraCpuPerCallUs: paired(runs, baselineRuns, (run, base) => of(run) && of(run).cpuPerCallUs - of(base).cpuPerCallUs),
    addedP50Ms: paired(runs, baselineRuns, (run, base) => of(run) && of(run).p50Ms - of(base).p50Ms),
    addedP99Ms: paired(runs, baselineRuns, (run, base) => of(run) && of(run).p99Ms - of(base).p99Ms),
    p50Ms: paired(runs, baselineRuns, (run) => of(run)?.p50Ms),
    p99Ms: paired(runs, baselineRuns, (run) => of(run)?.p99Ms),
    errors: runs.reduce((sum, run) => sum + (of(run)?.errors ?? 0), 0),
    timedCalls: paired(runs, baselineRuns, (run) => of(run)?.calls),
    cutShortRepeats: runs.filter((run) => of(run)?.cutShort).length,
  };
  if (workload.streamed || workload.perChunk) {
    figures.extraCpuPerChunkUs = paired(runs, baselineRuns, (run, base) => of(run) && (of(run).cpuPerCallUs - of(base).cpuPerCallUs) / chunks);
  }
  if (workload.streamed) {
    figures.accuracy = accuracyFigures(runs.filter((run) => !run.failed).map((run) => of(run)?.accuracy).filter(Boolean));
  }
  return figures;
}

/** Per-repeat p50/p99 of the absolute error, and the pooled distribution over all repeats. */
function accuracyFigures(accuracies) {
  if (accuracies.length === 0) return undefined;
  const reported = accuracies.some((accuracy) => accuracy.reported);
  const pooledErrors = accuracies.flatMap((accuracy) => accuracy.errorsMs ?? []);
  const pooledSimLag = accuracies.flatMap((accuracy) => accuracy.simToClientMs);
  const perRepeat = (values, p) => spread(values.filter((list) => list.length > 0).map((list) => percentile(list, p)));
  return {
    reported,
    measuredCalls: pooledErrors.length,
    p50ErrorMs: reported ? perRepeat(accuracies.map((a) => a.errorsMs ?? []), 50) : undefined,
    p99ErrorMs: reported ? perRepeat(accuracies.map((a) => a.errorsMs ?? []), 99) : undefined,
    pooledP50ErrorMs: reported ? percentile(pooledErrors, 50) : undefined,
    pooledP99ErrorMs: reported ? percentile(pooledErrors, 99) : undefined,
    pooledMaxErrorMs: reported ? Math.max(...pooledErrors) : undefined,
    pooledSignedP50Ms: reported ? percentile(accuracies.flatMap((accuracy) => accuracy.signedErrorsMs ?? []), 50) : undefined,
    pooledReadP50ErrorMs: reported ? percentile(accuracies.flatMap((accuracy) => accuracy.readErrorsMs ?? []), 50) : undefined,
    pooledReadP99ErrorMs: reported ? percentile(accuracies.flatMap((accuracy) => accuracy.readErrorsMs ?? []), 99) : undefined,
    simToClientP50Ms: percentile(pooledSimLag, 50),
    simToClientP99Ms: percentile(pooledSimLag, 99),
    spansPerCall: spread(accuracies.map((accuracy) => accuracy.spansPerCall)),
    matchedSpans: accuracies.reduce((sum, accuracy) => sum + accuracy.matchedSpans, 0),
    calls: accuracies.reduce((sum, accuracy) => sum + accuracy.calls, 0),
  };
}

/**
 * runsByConfig: { [configId]: [{ repeat, failed?, startupMs, peakRss, rssEnd, workloads }] }.
 * Returns one entry per configuration: { config, failed, workloads: {...}, startup..., memory... }.
 */
export function computeFigures({ configs, workloads, runsByConfig, chunks }) {
  const baselineRuns = runsByConfig[BASELINE_ID] ?? [];
  return configs.map((config) => {
    const runs = runsByConfig[config.id] ?? [];
    const failures = runs.filter((run) => run.failed).map((run) => run.failed);
    const succeeded = runs.length - failures.length;
    return {
      config,
      failed: succeeded === 0 ? (failures[0] ?? 'not run') : undefined,
      failures,
      repeats: succeeded,
      workloads: Object.fromEntries(workloads.map((workload) => [workload.id, workloadFigures(runs, baselineRuns, workload, chunks)])),
      startupMs: paired(runs, baselineRuns, (run) => run.startupMs),
      startupDeltaMs: paired(runs, baselineRuns, (run, base) => run.startupMs - base.startupMs),
      idleAccuracy: accuracyFigures(runs.filter((run) => !run.failed && run.idleAccuracy).map((run) => run.idleAccuracy)),
      peakRssMb: paired(runs, baselineRuns, (run) => run.peakRss / MB),
      rssEndMb: paired(runs, baselineRuns, (run) => run.rssEnd / MB),
    };
  });
}
