// docker-compose.yml against the configs it mounts: every mounted file exists, every address one
// component uses for another names a compose service and a port that service listens on, and the
// port the receiving config listens on is the same. No Docker is needed: the files are read as data.
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerPorts, flagValue, hostAndPort, hostPathFor, loadCompose, mounts, type ComposeService } from './compose.js';
import { alertRules, loadDatasources, readYaml, repoGlob, repoPath, ruleFilePaths } from './stack-files.js';

interface CollectorConfig {
  receivers: { otlp: { protocols: Record<'grpc' | 'http', { endpoint: string }> } };
  exporters: Record<string, { endpoint: string }>;
}

interface TempoConfig {
  server: { http_listen_port: number };
  distributor: { receivers: { otlp: { protocols: Record<'grpc' | 'http', { endpoint: string }> } } };
  metrics_generator?: { storage: { remote_write: Array<{ url: string }> } };
}

interface ScrapeConfig {
  job_name: string;
  static_configs?: Array<{ targets: string[] }>;
  dns_sd_configs?: Array<{ names: string[]; port: number }>;
  file_sd_configs?: Array<{ files: string[] }>;
  metrics_path?: string;
}

interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}

const compose = loadCompose();
const services = compose.services;
const service = (name: string): ComposeService => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};

/** Reads the config a service is started with, through its command-line flag and its bind mount. */
function configOf<T>(name: string, flag: string, expectedRepoPath: string): T {
  const containerPath = flagValue(service(name).command, flag);
  expect(containerPath, `${name} ${flag}`).toBeDefined();
  expect(hostPathFor(service(name), containerPath!), `${name}: ${containerPath}`).toBe(expectedRepoPath);
  return readYaml<T>(expectedRepoPath);
}

const collector = configOf<CollectorConfig>('collector', '--config', 'otel-collector.yaml');
const tempo = configOf<TempoConfig>('tempo', '-config.file', 'collector/tempo.yaml');
const prometheus = configOf<PrometheusConfig>('prometheus', '--config.file', 'collector/prometheus.yml');

/** Asserts that an address names a compose service that listens on its port. */
function expectReachable(where: string, address: { host: string; port: number }, from?: string): void {
  // "localhost" is the scraping service itself.
  const target = address.host === 'localhost' && from ? from : address.host;
  expect(Object.keys(services), `${where}: no service "${target}"`).toContain(target);
  expect(containerPorts(service(target)), `${where}: ${target} does not listen on ${address.port}`).toContain(address.port);
}

const portOf = (endpoint: string): number => hostAndPort(endpoint).port;

describe('docker-compose.yml', () => {
  it('pins every image', () => {
    for (const [name, { image }] of Object.entries(services)) {
      expect(image, name).toMatch(/:[\w][\w.-]*$/);
      expect(image, name).not.toMatch(/:latest$/);
    }
  });

  it('mounts only files and folders that exist, and declares its named volumes', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const mount of mounts(svc)) {
        if (mount.bind) expect(existsSync(repoPath(mount.source)), `${name}: ${mount.source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${mount.source}`).toContain(mount.source);
      }
    }
  });

  it('depends only on services it defines', () => {
    for (const [name, svc] of Object.entries(services)) {
      const dependencies = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
      for (const dependency of dependencies) expect(Object.keys(services), name).toContain(dependency);
    }
  });

  it('runs Prometheus with exemplar storage and the remote-write receiver Tempo writes to', () => {
    expect(service('prometheus').command).toEqual(
      expect.arrayContaining(['--enable-feature=exemplar-storage', '--web.enable-remote-write-receiver']),
    );
    for (const { url } of tempo.metrics_generator?.storage.remote_write ?? []) {
      expectReachable('tempo remote_write', hostAndPort(url));
      expect(new URL(url).pathname).toBe('/api/v1/write');
    }
  });

  it('keeps the GPU exporter behind the "gpu" profile', () => {
    expect(service('dcgm-exporter').profiles).toEqual(['gpu']);
    expect(service('dcgm-exporter').image).toMatch(/^nvcr\.io\/nvidia\/k8s\/dcgm-exporter:/);
  });
});

describe('collector wiring', () => {
  it('exports traces to the tempo service, on the port Tempo receives OTLP/HTTP', () => {
    const { endpoint } = collector.exporters['otlp_http/traces']!;
    expectReachable('otel-collector.yaml otlp_http/traces', hostAndPort(endpoint));
    expect(hostAndPort(endpoint).host).toBe('tempo');
    expect(portOf(tempo.distributor.receivers.otlp.protocols.http.endpoint)).toBe(hostAndPort(endpoint).port);
  });

  it('listens for OTLP on the ports compose publishes', () => {
    for (const protocol of ['grpc', 'http'] as const) {
      const port = portOf(collector.receivers.otlp.protocols[protocol].endpoint);
      expect(containerPorts(service('collector')), protocol).toContain(port);
    }
  });

  it('is where the app sends its traces, over OTLP/HTTP', () => {
    const endpoint = service('app').environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? '';
    expectReachable('app OTEL_EXPORTER_OTLP_ENDPOINT', hostAndPort(endpoint));
    expect(hostAndPort(endpoint)).toEqual({
      host: 'collector',
      port: portOf(collector.receivers.otlp.protocols.http.endpoint),
    });
  });
});

describe('prometheus wiring', () => {
  const jobs = new Map(prometheus.scrape_configs.map((c) => [c.job_name, c]));
  const staticTargets = (job: string): string[] => (jobs.get(job)?.static_configs ?? []).flatMap((s) => s.targets);
  const containerConfig = flagValue(service('prometheus').command, '--config.file')!;

  /** The repository file Prometheus reads for a file_sd path (relative to its config file), through its mounts. */
  const fileSdSource = (file: string): string | undefined => hostPathFor(service('prometheus'), posix.join(posix.dirname(containerConfig), file));

  /** The targets of a job's file_sd files, as Prometheus inside the container reads them. */
  const fileSdTargets = (job: string): string[] =>
    (jobs.get(job)?.file_sd_configs ?? [])
      .flatMap((sd) => sd.files)
      .flatMap((file) => readYaml<Array<{ targets: string[] }>>(fileSdSource(file)!).flatMap((group) => group.targets));

  it('mounts every file_sd file it reads', () => {
    const files = prometheus.scrape_configs.flatMap((config) => (config.file_sd_configs ?? []).flatMap((sd) => sd.files));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const source = fileSdSource(file);
      expect(source, `file_sd ${file} is not mounted into the prometheus container`).toBeDefined();
      expect(existsSync(repoPath(source!)), source).toBe(true);
    }
    expect(mounts(service('prometheus'))).toContainEqual({ source: './collector/targets', target: '/etc/prometheus/targets', bind: true });
  });

  it('scrapes only compose services, on ports they listen on', () => {
    for (const config of prometheus.scrape_configs) {
      for (const target of [...staticTargets(config.job_name), ...fileSdTargets(config.job_name)]) {
        expectReachable(`prometheus.yml job ${config.job_name}`, hostAndPort(target), 'prometheus');
      }
      for (const sd of config.dns_sd_configs ?? []) {
        for (const name of sd.names) expectReachable(`prometheus.yml job ${config.job_name}`, { host: name, port: sd.port });
      }
    }
  });

  it("scrapes the agent's /metrics on the port and interface the app exposes it", () => {
    const env = service('app').environment ?? {};
    expect(env.OTEL_EXPORTER_PROMETHEUS_HOST).toBe('0.0.0.0');
    expect(staticTargets('llm-app')).toEqual([`app:${env.OTEL_EXPORTER_PROMETHEUS_PORT}`]);
  });

  it("scrapes the demo's model simulator (vLLM metrics) where the app serves it", () => {
    const app = service('app');
    expect(app.command).toEqual(['node', 'dist/agent/cli/main.js', 'demo', '--serve']);
    expect(app.environment?.DEMO_SIMULATOR_HOST).toBe('0.0.0.0');
    expect(fileSdTargets('model-server')).toEqual([`app:${app.environment?.DEMO_SIMULATOR_PORT}`]);
  });

  it("scrapes the collector's Prometheus exporter", () => {
    const exporterPort = portOf(collector.exporters.prometheus.endpoint);
    expect(staticTargets('otel-collector')).toEqual([`collector:${exporterPort}`]);
  });

  it("scrapes the model server's /metrics from the targets file shipped beside the config", () => {
    const job = jobs.get('model-server');
    expect(job?.metrics_path).toBe('/metrics');
    const files = (job?.file_sd_configs ?? []).flatMap((sd) => sd.files);
    expect(files).toEqual(['targets/model-server.yml']);
    // file_sd paths are relative to prometheus.yml; each entry lists host:port targets.
    const groups = readYaml<Array<{ targets: string[]; labels?: Record<string, string> }>>(`collector/${files[0]}`);
    expect(groups.length).toBeGreaterThan(0);
    for (const target of groups.flatMap((g) => g.targets)) expect(target).toMatch(/^[\w.-]+:\d+$/);
  });

  it('loads exactly our rule files, inside the container as in the repository', () => {
    for (const pattern of prometheus.rule_files) {
      const inContainer = posix.join(posix.dirname(containerConfig), pattern);
      const inRepo = hostPathFor(service('prometheus'), inContainer);
      expect(inRepo, `rule_files ${pattern} is not mounted`).toBeDefined();
      expect(repoGlob(inRepo!)).toEqual(ruleFilePaths());
    }
  });

  it('watches every LLM scrape job with LLMScrapeTargetDown', () => {
    const expr = alertRules().find((a) => a.alert === 'LLMScrapeTargetDown')!.expr;
    const pattern = /up\{job=~"([^"]+)"\}/.exec(expr)![1];
    const watched = new RegExp(`^(?:${pattern})$`);
    for (const job of ['llm-app', 'otel-collector', 'model-server']) {
      expect(jobs.has(job), job).toBe(true);
      expect(watched.test(job), job).toBe(true);
    }
    expect(watched.test('prometheus')).toBe(false);
  });
});

describe('grafana wiring', () => {
  const grafana = service('grafana');

  it('reads the provisioning files of this repository', () => {
    expect(hostPathFor(grafana, '/etc/grafana/provisioning/datasources/datasources.yaml')).toBe(
      'grafana/provisioning/datasources/datasources.yaml',
    );
    expect(hostPathFor(grafana, '/etc/grafana/provisioning/dashboards/dashboards.yaml')).toBe(
      'grafana/provisioning/dashboards/dashboards.yaml',
    );
  });

  it('loads the dashboards from grafana/dashboards and opens the overview first', () => {
    const { providers } = readYaml<{ providers: Array<{ options: { path: string } }> }>(
      'grafana/provisioning/dashboards/dashboards.yaml',
    );
    expect(hostPathFor(grafana, providers[0].options.path)).toBe('grafana/dashboards');
    const home = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(hostPathFor(grafana, home)).toBe('grafana/dashboards/llm-overview.json');
  });

  it('reaches each datasource at a service and port that exist', () => {
    for (const datasource of loadDatasources()) expectReachable(`datasource ${datasource.name}`, hostAndPort(datasource.url));
    const tempoUrl = loadDatasources().find((d) => d.type === 'tempo')!.url;
    expect(portOf(tempoUrl)).toBe(tempo.server.http_listen_port);
  });
});
