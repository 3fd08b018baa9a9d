#!/usr/bin/env node
// Builds the test tools from Go modules and prints the binary's absolute path as the last (only)
// line of stdout; progress goes to stderr. Binaries are cached by content hash (scripts/build-go-tool.mjs),
// so a second run with nothing changed does no Go work.
//
//   node scripts/build-collector.mjs                  # otelcol-llm (collector/distribution/manifest.yaml)
//   node scripts/build-collector.mjs --compose-check  # compose-check (collector/compose-check/)
//
// From tests:  import { buildCollector, buildComposeCheck } from '../scripts/build-collector.mjs';
//              const otelcol = await buildCollector();   // absolute path of the binary
//
// The collector is built by the OpenTelemetry Collector Builder (ocb), installed with `go install` at
// the version of the core modules the manifest names, and itself cached the same way.

import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildGoTool, log, run } from './build-go-tool.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const distributionDir = path.join(repoRoot, 'collector', 'distribution');
const manifestPath = path.join(distributionDir, 'manifest.yaml');
const composeCheckDir = path.join(repoRoot, 'collector', 'compose-check');

const GOFLAGS = '-mod=mod -trimpath';
const LDFLAGS = '-s -w';

/**
 * The ocb release to use: the version of the core (go.opentelemetry.io/collector) v0.x modules the
 * manifest names, which must all be the same.
 */
function builderVersion(manifest) {
  const versions = new Set(
    [...manifest.matchAll(/gomod:\s*go\.opentelemetry\.io\/collector\/\S+\s+(v0\.\d+\.\d+)/g)].map((m) => m[1]),
  );
  if (versions.size !== 1) {
    throw new Error(
      `${manifestPath}: expected the core go.opentelemetry.io/collector v0.x modules at one version, found ` +
        `${[...versions].join(', ') || 'none'}`,
    );
  }
  return [...versions][0];
}

/** Installs ocb (go.opentelemetry.io/collector/cmd/builder) at `version`; resolves to its path. */
export function buildBuilder(version) {
  const pkg = `go.opentelemetry.io/collector/cmd/builder@${version}`;
  return buildGoTool({
    name: 'ocb',
    binaryName: 'builder',
    recipe: `go install ${pkg} GOFLAGS=${GOFLAGS} -ldflags=${LDFLAGS}`,
    inputs: [],
    async build({ workDir, out, goBin, env }) {
      await run(goBin, ['install', `-ldflags=${LDFLAGS}`, pkg], {
        cwd: workDir,
        env: { ...env, GOFLAGS, GOBIN: path.dirname(out) },
      });
    },
  });
}

/** Builds otelcol-llm from collector/distribution/manifest.yaml; resolves to the binary's path. */
export async function buildCollector() {
  const manifest = await readFile(manifestPath, 'utf8');
  const version = builderVersion(manifest);
  return buildGoTool({
    name: 'collector',
    binaryName: 'otelcol-llm',
    recipe: `ocb ${version} GOFLAGS=${GOFLAGS} (ocb: go build -trimpath -ldflags=${LDFLAGS})`,
    baseDir: repoRoot,
    inputs: [manifestPath],
    async build({ workDir, out, env }) {
      const builder = await buildBuilder(version);
      // ocb writes the generated module and the binary to dist.output_path: point it at the scratch dir.
      const outputPath = path.join(workDir, 'src');
      const lines = manifest.split('\n');
      const at = lines.flatMap((l, i) => (/^\s+output_path:/.test(l) ? [i] : []));
      if (at.length !== 1) throw new Error(`${manifestPath}: expected one dist.output_path line`);
      lines[at[0]] = lines[at[0]].replace(/output_path:.*/, `output_path: ${JSON.stringify(outputPath)}`);
      const tmpManifest = path.join(workDir, 'manifest.yaml');
      await writeFile(tmpManifest, lines.join('\n'));

      await run(builder, [`--config=${tmpManifest}`], { cwd: workDir, env: { ...env, GOFLAGS } });
      // The binary ocb wrote is renamed into the cache by buildGoTool; ocb's output dir is scratch.
      await rename(path.join(outputPath, 'otelcol-llm'), out);
    },
  });
}

/** Builds collector/compose-check (a docker-compose.yml validator); resolves to the binary's path. */
export async function buildComposeCheck() {
  const entries = await readdir(composeCheckDir);
  const inputs = entries
    .filter((f) => f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
    .map((f) => path.join(composeCheckDir, f));
  // -mod=readonly, not -mod=mod: go.mod and go.sum are committed, and the build must use them as
  // they are rather than rewrite them in the checkout.
  const goflags = '-mod=readonly -trimpath';
  return buildGoTool({
    name: 'compose-check',
    binaryName: 'compose-check',
    recipe: `go build GOFLAGS=${goflags} -ldflags=${LDFLAGS}`,
    baseDir: repoRoot,
    inputs,
    async build({ out, goBin, env }) {
      await run(goBin, ['build', `-ldflags=${LDFLAGS}`, '-o', out, '.'], {
        cwd: composeCheckDir,
        env: { ...env, GOFLAGS: goflags },
      });
    },
  });
}

async function main(argv) {
  const args = argv.slice(2);
  const known = new Set(['--compose-check', '--help', '-h']);
  const unknown = args.filter((a) => !known.has(a));
  if (unknown.length || args.includes('--help') || args.includes('-h')) {
    process.stderr.write('usage: node scripts/build-collector.mjs [--compose-check]\n');
    return unknown.length ? 2 : 0;
  }
  const started = Date.now();
  const bin = args.includes('--compose-check') ? await buildComposeCheck() : await buildCollector();
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.stdout.write(`${bin}\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`build-collector: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
