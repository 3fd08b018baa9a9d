// What `npm publish` would ship, and that it works once installed: the tarball `npm pack` makes from
// the built dist/ (the same listing `npm pack --dry-run --json` prints), unpacked into an app's
// node_modules/llm-otel-agent as `npm install` would put it. The package is the agent (the --import
// bundle, the API, the CommonJS entry, the `doctor` CLI); the demo, its model simulator, OTLP receiver
// and load generator live in the repository only (dist/demo/, left out by package.json's `files`).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '../..');

/** The bound the README states. The package is about 310 files, 0.55 MB packed and 2.4 MB unpacked, 0.5 MB of it the bundle's source map. */
const MAX_PACKED_BYTES = 1_000_000;
const MAX_UNPACKED_BYTES = 4_000_000;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

let work: string;
let appRoot: string;
let packageDir: string;
let pack: PackResult;
let paths: string[];

function run(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }) {
  const result = spawnSync(command, args, {
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir() },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'llm-otel-agent-pack-'));
  // --ignore-scripts: pack this build as it is (prepack would clean and rebuild dist/ under the other tests).
  const packed = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: repoRoot, env: { ...process.env } as Record<string, string> });
  expect(packed.code, packed.stderr).toBe(0);
  pack = (JSON.parse(packed.stdout) as PackResult[])[0]!;
  paths = pack.files.map((file) => file.path).sort();

  appRoot = join(work, 'app');
  mkdirSync(join(appRoot, 'node_modules'), { recursive: true });
  const untarred = run('tar', ['-xzf', join(work, pack.filename), '-C', join(appRoot, 'node_modules')], { cwd: work });
  expect(untarred.code, untarred.stderr).toBe(0);
  packageDir = join(appRoot, 'node_modules', 'llm-otel-agent');
  renameSync(join(appRoot, 'node_modules', 'package'), packageDir);
  // Its dependencies, as `npm install` would have them.
  symlinkSync(join(repoRoot, 'node_modules'), join(packageDir, 'node_modules'), 'dir');
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every path package.json points to: main, types, bin and each condition of each export. */
function entryPaths(): string[] {
  const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (typeof value === 'string') found.push(value.replace(/^\.\//, ''));
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit([manifest.main, manifest.types, manifest.bin, manifest.exports]);
  return [...new Set(found)].sort();
}

describe('the published package', () => {
  it('holds the agent and no demo, simulator, receiver or load generator', () => {
    expect(paths.filter((path) => /(^|\/)(demo|simulator)(\/|$)/.test(path))).toEqual([]);
    expect(paths.filter((path) => !/^dist\/(agent|bundle)\//.test(path) && !['package.json', 'README.md', 'LICENSE'].includes(path))).toEqual([]);
    // The licence package.json declares, in full.
    expect(paths).toContain('LICENSE');
    // The agent's own parts.
    for (const path of ['dist/bundle/register.js', 'dist/agent/index.js', 'dist/agent/index.d.ts', 'dist/agent/register.cjs', 'dist/agent/register.js', 'dist/agent/cli/main.js', 'dist/agent/cli/doctor.js']) {
      expect(paths).toContain(path);
    }
  });

  it('ships every file package.json names in main, types, bin and exports', () => {
    const entries = entryPaths();
    expect(entries).toContain('dist/bundle/register.js');
    expect(entries.filter((path) => !paths.includes(path))).toEqual([]);
  });

  it(`weighs under ${MAX_PACKED_BYTES / 1e6} MB packed and ${MAX_UNPACKED_BYTES / 1e6} MB unpacked`, () => {
    expect(pack.entryCount).toBe(paths.length);
    expect(pack.size).toBeLessThan(MAX_PACKED_BYTES);
    expect(pack.unpackedSize).toBeLessThan(MAX_UNPACKED_BYTES);
  });

  it('has no demo module inside the --import bundle, and no file but the CLI refers to dist/demo/', () => {
    const map = JSON.parse(readFileSync(join(packageDir, 'dist/bundle/register.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.length).toBeGreaterThan(100);
    expect(map.sources.filter((source) => /(^|\/)(demo|simulator)\//.test(source))).toEqual([]);
    const referring = readdirSync(join(packageDir, 'dist'), { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.js') && /['"]\.\.\/(\.\.\/)*demo\//.test(readFileSync(join(packageDir, 'dist', file), 'utf8')));
    expect(referring).toEqual(['agent/cli/main.js']);
  });
});

describe('the package, installed', () => {
  const cleanEnv = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...extra });

  it('serves the API from dist/agent/ without resolving a demo module', () => {
    const recordResolved = encodeURIComponent(
      `import { registerHooks } from 'node:module'; globalThis.resolvedUrls = [];` +
        `registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); globalThis.resolvedUrls.push(r.url); return r; } });`,
    );
    const script = `const api = await import('llm-otel-agent/api'); console.log('API ' + typeof api.traceModelCall + ' ' + typeof api.startAgent); console.log('RESOLVED ' + JSON.stringify(globalThis.resolvedUrls));`;
    const result = run(process.execPath, ['--import', `data:text/javascript,${recordResolved}`, '--input-type=module', '-e', script], { cwd: appRoot, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('API function function');
    const resolved = JSON.parse(result.stdout.match(/^RESOLVED (.*)$/m)![1]!) as string[];
    const own = resolved.filter((url) => url.includes('/node_modules/llm-otel-agent/') && !url.includes('/node_modules/llm-otel-agent/node_modules/'));
    expect(own).toContain(`file://${packageDir}/dist/agent/index.js`);
    // version.ts reads the version from package.json; everything else is the compiled agent.
    expect(own.filter((url) => !url.startsWith(`file://${packageDir}/dist/agent/`) && url !== `file://${packageDir}/package.json`)).toEqual([]);
    expect(resolved.filter((url) => /\/(demo|simulator)\//.test(url))).toEqual([]);
  });

  it('runs a service under --import llm-otel-agent', () => {
    const result = run(process.execPath, ['--import', 'llm-otel-agent', '--input-type=module', '-e', `console.log('RAN')`], {
      cwd: appRoot,
      env: cleanEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' }),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('RAN');
    expect(result.stderr).toBe('');
  });

  it('runs the doctor CLI, and says the demo is in the repository', () => {
    const cli = join(packageDir, 'dist/agent/cli/main.js');
    const doctor = run(process.execPath, [cli, 'doctor'], { cwd: appRoot, env: cleanEnv({ OTEL_SERVICE_NAME: 'checkout' }) });
    expect(doctor.code, doctor.stderr).toBe(0);
    expect(doctor.stdout).toMatch(/service name\s+checkout/);

    const demo = run(process.execPath, [cli, 'demo'], { cwd: appRoot, env: cleanEnv() });
    expect(demo.code).toBe(1);
    expect(demo.stdout).toBe('');
    expect(demo.stderr).toContain('the demo is not part of the published package');
    expect(demo.stderr).toContain('npm ci && npm run demo');

    const help = run(process.execPath, [cli, 'demo', '--help'], { cwd: appRoot, env: cleanEnv() });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npm ci && npm run demo');
  });
});
