// The micro-benchmarks' driver (record-metrics.mjs, stream-events.mjs): the same measurement in one
// fresh child process per built checkout and round, alternating, so JIT and GC luck and the machine's
// drift fall on every checkout alike; a table of median [min…max] over processes per figure.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { spread } from './stats.mjs';

/** The built checkouts named on the command line, or this one. */
export function checkoutRoots(argv = process.argv.slice(2)) {
  return argv.length > 0 ? argv : [fileURLToPath(new URL('../..', import.meta.url))];
}

/**
 * Runs `node script --child <root> ...childArgs` BENCH_REPEATS (5) times per root, alternating; each
 * child prints one JSON object of named figures. Returns, per root, every figure's values.
 */
export function runAlternating(script, roots, childArgs = []) {
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const figures = new Map(roots.map((root) => [root, {}]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const root of roots) {
      const result = JSON.parse(execFileSync(process.execPath, [script, '--child', root, ...childArgs], { encoding: 'utf8' }));
      for (const [name, value] of Object.entries(result)) (figures.get(root)[name] ??= []).push(value);
    }
  }
  return { figures, repeats };
}

/** A markdown table: a row per figure, a column per checkout. */
export function checkoutTable(title, { figures }, digits) {
  const roots = [...figures.keys()];
  const lines = [`| ${title} | ${roots.join(' | ')} |`, `|---|${roots.map(() => '---').join('|')}|`];
  for (const name of Object.keys(figures.get(roots[0]))) {
    const cells = roots.map((root) => {
      const { min, median, max } = spread(figures.get(root)[name]);
      return `${median.toFixed(digits)} [${min.toFixed(digits)}…${max.toFixed(digits)}]`;
    });
    lines.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
