// Every collector config in the repository, checked by the real collector's `validate` (the same
// release docker-compose.yml pins), and docker-compose.yml loaded the way `docker compose` loads it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, validateConfig } from '../helpers/collector.js';

/** YAML files with the shape of a collector config: receivers and service.pipelines. */
function collectorConfigs(dir = REPO_ROOT): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['node_modules', '.git', 'dist', 'bench'].includes(entry.name) ? [] : collectorConfigs(path);
    if (!/\.ya?ml$/.test(entry.name)) return [];
    const doc = parse(readFileSync(path, 'utf8')) as { receivers?: unknown; service?: { pipelines?: unknown } } | null;
    return doc?.receivers && doc.service?.pipelines ? [relative(REPO_ROOT, path)] : [];
  });
}

const manifest = readFileSync(join(REPO_ROOT, 'collector/distribution/manifest.yaml'), 'utf8');
const release = manifest.match(/opentelemetry-collector-contrib\/\S+ v(\d+\.\d+\.\d+)/)![1]!;

describe('collector configs', () => {
  const configs = collectorConfigs();

  it('finds the shipped ones', () => {
    expect(configs.sort()).toEqual(['collector/gateway/agent-tier.yaml', 'otel-collector.yaml']);
  });

  it.each(configs)('%s passes the real collector\'s validate, with its env defaults', async (config) => {
    const { code, output } = await validateConfig(config);
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('validate fails on a config the collector would refuse, so the checks above can fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-config-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, readFileSync(join(REPO_ROOT, 'otel-collector.yaml'), 'utf8').replace('decision_wait:', 'decision_wiat:'));
    const { code, output } = await validateConfig(broken);
    expect(code).not.toBe(0);
    expect(output).toMatch(/decision_wiat/);
  });

  it('docker-compose.yml pins the contrib image at the release the tests build', () => {
    const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, { image?: string }> };
    expect(compose.services.collector!.image).toBe(`otel/opentelemetry-collector-contrib:${release}`);
  });
});

describe('docker-compose.yml, as docker compose loads it (compose-go)', () => {
  const check = (file: string) =>
    spawnSync(process.env.LLM_TEST_COMPOSE_CHECK!, [file], { encoding: 'utf8', cwd: REPO_ROOT });

  it('loads: schema, interpolation, depends_on and every mounted file', () => {
    const result = check(join(REPO_ROOT, 'docker-compose.yml'));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual(['app', 'collector', 'dcgm-exporter', 'grafana', 'prometheus', 'tempo', 'tempo-init']);
  });

  it.each([
    ['an unknown key', (y: string) => y.replace('    working_dir: /app', '    working_dir: /app\n    workdir: /app'), /workdir/],
    ['a bad depends_on condition', (y: string) => y.replace('condition: service_completed_successfully', 'condition: service_done'), /service_done|condition/],
    ['a missing mounted file', (y: string) => y.replace('./otel-collector.yaml:', './no-such-collector.yaml:'), /no-such-collector\.yaml.*does not exist/],
  ])('fails on %s', (_what, mutate, message) => {
    const file = join(REPO_ROOT, `docker-compose.broken-${process.pid}.yml`);
    writeFileSync(file, mutate(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')));
    try {
      const result = check(file);
      expect(result.status).not.toBe(0);
      expect(result.stderr + result.stdout).toMatch(message);
    } finally {
      spawnSync('rm', ['-f', file]);
    }
  });
});
