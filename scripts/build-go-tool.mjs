// Builds a Go program once and caches the binary by a content hash, for the tools the tests run
// (the otelcol-llm collector, the compose checker: see scripts/build-collector.mjs).
//
//   <cache root>/<tool>/<hash>/<binary>     cache root: $LLM_OTEL_CACHE_DIR or ~/.cache/llm-otel-agent
//
// The hash covers the tool's inputs (file contents), its build recipe (a string naming the build
// steps, flags and pinned versions) and `go version`, so a changed input or toolchain builds anew and
// an unchanged one is a stat() away. A build runs in <hash>.partial/ and lands by renaming the whole
// directory to <hash>/, so an interrupted build never leaves a partial binary where a finished one is
// looked for; a lock file (<hash>.lock, holding the builder's pid) makes concurrent callers wait for
// one build instead of starting their own.
//
// Plain ESM JavaScript with no dependencies: it runs before (and without) the TypeScript build.

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Go release the pinned modules need (their go.mod files say `go 1.26.0`). */
export const MIN_GO = [1, 26];

export function cacheRoot() {
  return process.env.LLM_OTEL_CACHE_DIR || path.join(os.homedir(), '.cache', 'llm-otel-agent');
}

export function log(message) {
  process.stderr.write(`[build-go-tool] ${message}\n`);
}

/**
 * Environment every go command runs with. GOPROXY is left as the environment gives it; the
 * toolchain is the installed one (no automatic toolchain download).
 */
export function goEnv(goBin, extra = {}) {
  return {
    ...process.env,
    // Tools the go command (and ocb) start look `go` up on PATH: put the one found first.
    PATH: [path.dirname(goBin), process.env.PATH ?? ''].join(path.delimiter),
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    ...extra,
  };
}

let goPromise;

/** Finds the go command ($GO if set, else `go` on PATH, else /usr/local/go/bin/go) and reads its version. */
export function findGo() {
  goPromise ??= (async () => {
    const candidates = process.env.GO ? [process.env.GO] : ['go', '/usr/local/go/bin/go'];
    for (const candidate of candidates) {
      try {
        const { stdout } = await execFileP(candidate, ['version'], {
          env: { ...process.env, GOTOOLCHAIN: 'local' },
        });
        const version = stdout.trim();
        const m = /go(\d+)\.(\d+)/.exec(version);
        if (m && (Number(m[1]) < MIN_GO[0] || (Number(m[1]) === MIN_GO[0] && Number(m[2]) < MIN_GO[1]))) {
          throw new Error(
            `${candidate}: ${version} is too old; building the test tools needs Go >= ${MIN_GO.join('.')} ` +
              '(https://go.dev/dl/), or set GO=/path/to/go',
          );
        }
        let goBin = candidate;
        if (!path.isAbsolute(goBin)) {
          const { stdout: goroot } = await execFileP(candidate, ['env', 'GOROOT'], {
            env: { ...process.env, GOTOOLCHAIN: 'local' },
          });
          goBin = path.join(goroot.trim(), 'bin', 'go');
        }
        return { goBin, version };
      } catch (err) {
        if (err.code === 'ENOENT') continue;
        throw err;
      }
    }
    throw new Error(
      `Go toolchain not found (tried ${candidates.join(', ')}): the test collector ` +
        `and compose checker are built from Go modules; install Go >= ${MIN_GO.join('.')} ` +
        '(https://go.dev/dl/) or set GO=/path/to/go',
    );
  })();
  return goPromise;
}

/** Runs a command with its stdout and stderr both copied to our stderr (progress, not results). */
export function run(cmd, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    log(`$ ${[cmd, ...args].join(' ')}${cwd ? `   (in ${cwd})` : ''}`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(process.stderr, { end: false });
    child.stderr.pipe(process.stderr, { end: false });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`})`));
    });
  });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function acquireLock(lockPath, isDone) {
  let announced = false;
  for (;;) {
    try {
      const fh = await fs.open(lockPath, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return true;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const pid = Number.parseInt(await fs.readFile(lockPath, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) {
      log(`removing stale lock ${lockPath} (pid ${pid} is gone)`);
      await fs.rm(lockPath, { force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for the build already running${pid ? ` (pid ${pid})` : ''}: ${lockPath}`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 1000));
    if (await isDone()) return false;
  }
}

const inFlight = new Map();

/**
 * Builds (or finds in the cache) one Go tool and resolves to the binary's absolute path.
 *
 * @param {object} spec
 * @param {string} spec.name        cache subdirectory, e.g. "collector"
 * @param {string} spec.binaryName  file name of the binary in the cache, e.g. "otelcol-llm"
 * @param {string} spec.recipe      build steps, flags and pinned versions: part of the hash
 * @param {string} [spec.baseDir]   directory the inputs are named relative to (in the hash)
 * @param {string[]} [spec.inputs]  absolute paths of the files the build reads
 * @param {(ctx: {workDir: string, out: string, goBin: string, env: object}) => Promise<void>} spec.build
 *        writes the binary to ctx.out (ctx.workDir: an empty scratch directory for anything else)
 */
export function buildGoTool(spec) {
  const key = `${spec.name}\0${spec.recipe}\0${(spec.inputs ?? []).join('\0')}`;
  if (!inFlight.has(key)) {
    const p = buildGoToolUncached(spec);
    inFlight.set(key, p);
    p.catch(() => inFlight.delete(key));
  }
  return inFlight.get(key);
}

async function buildGoToolUncached(spec) {
  const { goBin, version } = await findGo();

  const hash = createHash('sha256');
  hash.update(`recipe\0${spec.recipe}\0go\0${version}\0`);
  const baseDir = spec.baseDir ?? process.cwd();
  for (const file of [...(spec.inputs ?? [])].sort()) {
    hash.update(`file\0${path.relative(baseDir, file)}\0`);
    hash.update(await fs.readFile(file));
    hash.update('\0');
  }
  const digest = hash.digest('hex').slice(0, 24);

  const toolDir = path.join(cacheRoot(), spec.name);
  const finalDir = path.join(toolDir, digest);
  const finalBin = path.join(finalDir, spec.binaryName);
  const isDone = async () => existsSync(finalBin);

  if (await isDone()) {
    log(`${spec.name}: cached ${finalBin}`);
    return finalBin;
  }

  await fs.mkdir(toolDir, { recursive: true });
  const lockPath = `${finalDir}.lock`;
  if (!(await acquireLock(lockPath, isDone))) {
    log(`${spec.name}: built by another process: ${finalBin}`);
    return finalBin;
  }
  try {
    if (await isDone()) return finalBin;
    // Only the lock holder uses <hash>.partial: whatever an interrupted build left there goes.
    const partialDir = `${finalDir}.partial`;
    await fs.rm(partialDir, { recursive: true, force: true });
    const workDir = path.join(partialDir, 'work');
    await fs.mkdir(workDir, { recursive: true });
    const out = path.join(partialDir, 'bin', spec.binaryName);
    await fs.mkdir(path.dirname(out), { recursive: true });

    log(`${spec.name}: building (${version}; cache key ${digest})`);
    const started = Date.now();
    await spec.build({ workDir, out, goBin, env: goEnv(goBin) });
    await fs.access(out, fs.constants.X_OK);
    const fh = await fs.open(out, 'r');
    await fh.sync();
    await fh.close();

    // <hash>/ appears complete or not at all: rename the finished bin/ directory into place (over
    // a <hash>/ without its binary, if someone deleted just the file).
    await fs.rm(finalDir, { recursive: true, force: true });
    await fs.rename(path.join(partialDir, 'bin'), finalDir);
    await fs.rm(partialDir, { recursive: true, force: true });
    log(`${spec.name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${finalBin}`);
    return finalBin;
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}
