// The benchmark: `node bench/run.mjs` (after `npm run build` and `npm install --prefix bench`).
// Default: every configuration and workload in alternating repeats → prints the summary table and
// writes bench/results.md and bench/results.svg. BENCH_SOAK=1 writes bench/soak-results.md;
// BENCH_PROFILE=1 writes bench/profile.md. Knobs: see lib/options.mjs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectConfigs } from './lib/configs.mjs';
import { runComparison } from './lib/compare-mode.mjs';
import { computeFigures } from './lib/figures.mjs';
import { readOptions } from './lib/options.mjs';
import { runProfile } from './lib/profile-mode.mjs';
import { resultsMarkdown, summaryTable, targetChecks } from './lib/report.mjs';
import { BENCH_DIR, startBackends } from './lib/session.mjs';
import { runSoak } from './lib/soak-mode.mjs';
import { runScrape } from './lib/scrape-mode.mjs';
import { throughputChart } from './lib/svg.mjs';
import { installedVersions } from './lib/versions.mjs';
import { selectWorkloads } from './lib/workloads.mjs';

const log = (line) => process.stderr.write(`${line}\n`);
const output = (name) => join(BENCH_DIR, name);
const SOAK_FILE = output('soak-results.md');
const SCRAPE_FILE = output('scrape-results.md');
const PROFILE_FILE = output('profile.md');

/** Sections written by the other modes, appended to results.md when present. */
function otherModesSections() {
  return [PROFILE_FILE, SOAK_FILE, SCRAPE_FILE].filter((file) => existsSync(file)).map((file) => readFileSync(file, 'utf8'));
}

async function compare(backends, options) {
  const configs = selectConfigs(options.configs);
  const workloads = selectWorkloads(options.workloads);
  const started = performance.now();
  const runsByConfig = await runComparison({ backends, configs, workloads, options, log });
  const allFigures = computeFigures({ configs, workloads, runsByConfig, chunks: options.chunks });
  const elapsedS = (performance.now() - started) / 1000;
  writeFileSync(output('results.svg'), throughputChart(allFigures, workloads));
  const markdown = resultsMarkdown({ allFigures, workloads, options, versions: installedVersions(), elapsedS, extra: otherModesSections() });
  writeFileSync(output('results.md'), markdown);
  console.log(summaryTable(allFigures, workloads));
  console.log('');
  for (const check of targetChecks(allFigures)) console.log(`${check.met ? 'met   ' : 'MISSED'} ${check.target}: ${check.figure}`);
  console.log(`\nwrote bench/results.md and bench/results.svg (${elapsedS.toFixed(0)} s)`);
}

const options = readOptions();
const backends = await startBackends(options.chunks, options.separateWrites);
try {
  if (options.scrape) {
    writeFileSync(SCRAPE_FILE, await runScrape(backends, options, log));
    console.log(readFileSync(SCRAPE_FILE, 'utf8'));
  } else if (options.soak) {
    writeFileSync(SOAK_FILE, await runSoak(backends, options, log));
    console.log(readFileSync(SOAK_FILE, 'utf8'));
  } else if (options.profile) {
    const file = options.profileWorkload === 'stream' ? PROFILE_FILE : output(`profile-${options.profileWorkload}.md`);
    writeFileSync(file, await runProfile(backends, options));
    console.log(readFileSync(file, 'utf8'));
  } else {
    await compare(backends, options);
  }
} finally {
  await backends.stop();
}
