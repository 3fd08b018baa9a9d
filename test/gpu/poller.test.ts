import diagnostics from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startGpuPoller, type GpuPoller, type GpuPollerOptions } from '../../agent/metrics/gpu/poller.js';
import { isAlive } from '../helpers/child-app.js';
import { FakeNvidiaSmi } from './fake-nvidia-smi.js';
import { GpuMetrics } from './gpu-metrics.js';

const H100 = 'gpu_id="0",gpu_uuid="GPU-4c7f8d2e-9a1b-4e63-8f0d-2b5a7c9e1d34",gpu_name="NVIDIA H100 80GB HBM3"';
const A10G = 'gpu_id="0",gpu_uuid="GPU-9d3f2a1b-7c6e-4d5f-8a9b-0c1d2e3f4a5b",gpu_name="NVIDIA A10G"';

// Created per test and cleaned up after it.
let fake: FakeNvidiaSmi;
let metrics: GpuMetrics;
let poller: GpuPoller | undefined;
let infos: string[];
let warnings: string[];

function start(options: Partial<GpuPollerOptions> = {}): GpuPoller {
  fake ??= new FakeNvidiaSmi();
  metrics = new GpuMetrics();
  infos = [];
  warnings = [];
  poller = startGpuPoller(
    metrics.meter,
    // A long interval: the tests poll with pollNow() unless they are about the timer.
    { intervalSeconds: 3600, binary: fake.path, timeoutSeconds: 5, naming: 'prometheus', ...options },
    { info: (message) => infos.push(message), warn: (message) => warnings.push(message) },
  );
  return poller;
}

afterEach(async () => {
  poller?.stop();
  poller = undefined;
  await metrics?.shutdown();
  fake?.remove();
  fake = undefined as unknown as FakeNvidiaSmi;
});

describe('GPU poller, Prometheus naming', () => {
  it('polls at start and exposes one H100 under the exact Prometheus names, MiB as bytes', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100.csv');
    await start().pollNow();

    expect(fake.args()).toBe(
      '--query-gpu=index,uuid,name,utilization.gpu,utilization.memory,memory.used,memory.total,temperature.gpu,power.draw,power.limit --format=csv,noheader,nounits',
    );
    expect(fake.calls()).toBe(1); // pollNow() waited for the poll started at start
    const text = await metrics.prometheusText();
    expect(text.split('\n').filter((line) => !line.startsWith('#') && line !== '')).toEqual([
      `llm_gpu_utilization_percent{${H100}} 87`,
      `llm_gpu_memory_utilization_percent{${H100}} 54`,
      `llm_gpu_memory_used_bytes{${H100}} 64208502784`,
      `llm_gpu_memory_total_bytes{${H100}} 85520809984`,
      `llm_gpu_temperature_celsius{${H100}} 64`,
      `llm_gpu_power_watts{${H100}} 512.37`,
      `llm_gpu_power_limit_watts{${H100}} 700`,
    ]);
    expect(text).toContain('# TYPE llm_gpu_memory_used_bytes gauge');
    expect(text).toContain('# UNIT llm_gpu_memory_used_bytes By');
    expect(infos).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('finds nvidia-smi on PATH by default and reports eight GPUs', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100-x8.csv');
    const savedPath = process.env.PATH;
    process.env.PATH = `${fake.dir}:${savedPath}`;
    try {
      await start({ binary: 'nvidia-smi' }).pollNow();
    } finally {
      process.env.PATH = savedPath;
    }
    const samples = await metrics.prometheusSamples();
    expect(samples).toHaveLength(8 * 7);
    const utilization = samples.filter((line) => line.startsWith('llm_gpu_utilization_percent{'));
    expect(utilization.map((line) => /gpu_id="(\d)"/.exec(line)![1])).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(samples).toContain(
      'llm_gpu_power_watts{gpu_id="4",gpu_uuid="GPU-4b1e6f5a-3c2d-4e8f-9a7b-1c2d3e4f5a64",gpu_name="NVIDIA H100 80GB HBM3"} 71.23',
    );
  });

  it('keeps names with spaces and commas whole in the gpu_name label', async () => {
    fake = new FakeNvidiaSmi().print('0, GPU-aa, NVIDIA RTX 6000 Ada Generation, Rev. A, 5, 1, 100, 49140, 30, 20.5, 300.00\n');
    await start().pollNow();
    expect(await metrics.prometheusSamples()).toContain(
      'llm_gpu_temperature_celsius{gpu_id="0",gpu_uuid="GPU-aa",gpu_name="NVIDIA RTX 6000 Ada Generation, Rev. A"} 30',
    );
  });

  it('leaves out [N/A] and [Not Supported] values rather than reporting 0', async () => {
    fake = new FakeNvidiaSmi().printFixture('a10g-power-na.csv');
    await start().pollNow();
    const samples = await metrics.prometheusSamples();
    expect(samples.map((line) => line.slice(0, line.indexOf('{')))).toEqual([
      'llm_gpu_utilization_percent',
      'llm_gpu_memory_utilization_percent',
      'llm_gpu_memory_used_bytes',
      'llm_gpu_memory_total_bytes',
      'llm_gpu_temperature_celsius',
    ]);
    expect(samples).toContain(`llm_gpu_memory_total_bytes{${A10G}} 24146608128`);

    fake.printFixture('mixed-not-available.csv');
    await poller!.pollNow();
    const names = (await metrics.points()).map((point) => `${point.name}/${String(point.attributes.gpu_name)}`);
    expect(names.sort()).toEqual(
      [
        'llm_gpu_utilization_percent/NVIDIA H100 80GB HBM3',
        'llm_gpu_memory_used_bytes/NVIDIA H100 80GB HBM3',
        'llm_gpu_memory_total_bytes/NVIDIA H100 80GB HBM3',
        'llm_gpu_power_watts/NVIDIA H100 80GB HBM3',
        'llm_gpu_power_limit_watts/NVIDIA H100 80GB HBM3',
        'llm_gpu_memory_utilization_percent/NVIDIA A10G',
        'llm_gpu_memory_used_bytes/NVIDIA A10G',
        'llm_gpu_memory_total_bytes/NVIDIA A10G',
        'llm_gpu_temperature_celsius/NVIDIA A10G',
        'llm_gpu_power_watts/NVIDIA A10G',
      ].sort(),
    );
    expect(warnings).toEqual([]);
  });

  it('stops reporting a GPU that disappears between polls', async () => {
    fake = new FakeNvidiaSmi().printFixture('mixed-not-available.csv');
    await start().pollNow();
    const uuids = async () => new Set((await metrics.points()).map((point) => point.attributes.gpu_uuid));
    expect(await uuids()).toEqual(new Set(['GPU-4c7f8d2e-9a1b-4e63-8f0d-2b5a7c9e1d34', 'GPU-9d3f2a1b-7c6e-4d5f-8a9b-0c1d2e3f4a5b']));

    fake.printFixture('h100.csv');
    await poller!.pollNow();
    expect(await uuids()).toEqual(new Set(['GPU-4c7f8d2e-9a1b-4e63-8f0d-2b5a7c9e1d34']));

    fake.print('');
    await poller!.pollNow();
    expect(await metrics.points()).toEqual([]);
  });
});

describe('GPU poller, OpenTelemetry naming', () => {
  it('reports hw.* gauges in convention units with hw.* attributes', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100.csv');
    await start({ naming: 'otel' }).pollNow();
    const gpu = {
      'hw.id': 'GPU-4c7f8d2e-9a1b-4e63-8f0d-2b5a7c9e1d34',
      'hw.name': 'gpu0',
      'hw.model': 'NVIDIA H100 80GB HBM3',
      'hw.type': 'gpu',
      'hw.vendor': 'NVIDIA',
    };
    expect(await metrics.points()).toEqual([
      { name: 'hw.gpu.utilization', unit: '1', value: 0.87, attributes: { ...gpu, 'hw.gpu.task': 'general' } },
      { name: 'llm.gpu.memory_controller.utilization', unit: '1', value: 0.54, attributes: gpu },
      { name: 'hw.gpu.memory.usage', unit: 'By', value: 64208502784, attributes: gpu },
      { name: 'hw.gpu.memory.limit', unit: 'By', value: 85520809984, attributes: gpu },
      { name: 'hw.temperature', unit: 'Cel', value: 64, attributes: gpu },
      { name: 'hw.power', unit: 'W', value: 512.37, attributes: gpu },
      { name: 'llm.gpu.power.limit', unit: 'W', value: 700, attributes: gpu },
    ]);
  });
});

describe('GPU poller failures', () => {
  it('says once, as info, that there is no nvidia-smi, reports nothing and stops polling, without spawning anything', async () => {
    fake = new FakeNvidiaSmi();
    // Node publishes every ChildProcess it creates here: a missing binary must not cost a fork.
    const spawned: unknown[] = [];
    const onSpawn = (message: unknown) => spawned.push(message);
    diagnostics.subscribe('child_process', onSpawn);
    try {
      const p = start({ binary: `${fake.dir}/not-here/nvidia-smi`, intervalSeconds: 0.05 });
      await p.pollNow();
      await sleep(200);
      await p.pollNow();
    } finally {
      diagnostics.unsubscribe('child_process', onSpawn);
    }
    expect(spawned).toEqual([]);
    expect(infos).toHaveLength(1);
    expect(infos[0]).toMatch(/^GPU metrics off: .*not-here\/nvidia-smi not found/);
    expect(warnings).toEqual([]);
    expect(await metrics.points()).toEqual([]);
    expect(await metrics.prometheusText()).toBe('# no registered metrics');
  });

  it('warns once per distinct exit code and keeps polling', async () => {
    fake = new FakeNvidiaSmi()
      .print('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.\n')
      .exitWith(9);
    const p = start();
    await p.pollNow();
    await p.pollNow();
    await p.pollNow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('exited with code 9: NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.');

    fake.print('', 'No devices were found\n').exitWith(6);
    await p.pollNow();
    await p.pollNow();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('exited with code 6: No devices were found');

    fake.printFixture('h100.csv').exitWith(0);
    await p.pollNow();
    expect(fake.calls()).toBe(6);
    expect(await metrics.prometheusSamples()).toContain(`llm_gpu_temperature_celsius{${H100}} 64`);
    expect(infos).toEqual([]);
  });

  it('warns once about garbage output, reports nothing from it, and recovers', async () => {
    fake = new FakeNvidiaSmi().print('Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 550.54\n');
    const p = start();
    await p.pollNow();
    await p.pollNow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('line 1: expected 10 columns, got 1');
    expect(warnings[0]).toContain('line 2: expected 10 columns, got 1');
    expect(await metrics.points()).toEqual([]);

    fake.printFixture('a10g-power-na.csv');
    await p.pollNow();
    expect(await metrics.prometheusSamples()).toContain(`llm_gpu_temperature_celsius{${A10G}} 41`);
    expect(warnings).toHaveLength(1);
  });

  it('kills an nvidia-smi that hangs past the timeout, warns once and keeps polling', async () => {
    fake = new FakeNvidiaSmi().hang();
    const p = start({ timeoutSeconds: 0.3 });
    const began = performance.now();
    await p.pollNow();
    expect(performance.now() - began).toBeLessThan(3000);
    const pid = fake.hungPid()!;
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !isAlive(pid)); // killed, not left sleeping

    await p.pollNow();
    expect(warnings).toEqual([`GPU metrics: ${fake.path} did not answer within 0.3 s and was killed; polling goes on every 3600 s`]);

    fake.recover().printFixture('h100.csv');
    await p.pollNow();
    expect(fake.calls()).toBe(3);
    expect(await metrics.prometheusSamples()).toContain(`llm_gpu_power_watts{${H100}} 512.37`);
  });

  it('keeps the last good values through one failed poll, drops them after two intervals plus the timeout', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100.csv');
    // Stale after 2 × 0.5 + 0.5 = 1.5 s.
    const p = start({ intervalSeconds: 0.5, timeoutSeconds: 0.5 });
    await p.pollNow();
    const goodAt = performance.now();
    fake.exitWith(1);
    await p.pollNow();
    expect(fake.calls()).toBeGreaterThanOrEqual(2);
    expect(await metrics.prometheusSamples()).toHaveLength(7);

    await sleep(Math.max(0, goodAt + 1800 - performance.now()));
    expect(await metrics.points()).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  it('never runs two nvidia-smi at once: a tick that finds one running is skipped', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100.csv').delay(0.4);
    const p = start({ intervalSeconds: 0.05, timeoutSeconds: 2 });
    await sleep(1000);
    p.stop();
    expect(fake.calls()).toBeGreaterThanOrEqual(2);
    expect(fake.calls()).toBeLessThanOrEqual(3);
    expect(fake.overlaps()).toBe(0);
  });

  it('never reaches the application, even when the logger throws', async () => {
    fake = new FakeNvidiaSmi().exitWith(3);
    metrics = new GpuMetrics();
    const throwing = () => {
      throw new Error('logger is broken');
    };
    poller = startGpuPoller(
      metrics.meter,
      { intervalSeconds: 3600, binary: fake.path, timeoutSeconds: 5, naming: 'prometheus' },
      { info: throwing, warn: throwing },
    );
    await expect(poller.pollNow()).resolves.toBeUndefined();
    fake.print('garbage\n').exitWith(0);
    await expect(poller.pollNow()).resolves.toBeUndefined();
    expect(await metrics.points()).toEqual([]);
  });
});

describe('GPU poller lifecycle', () => {
  it('does nothing at all when the interval is 0', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100.csv');
    const p = start({ intervalSeconds: 0 });
    await p.pollNow();
    expect(fake.calls()).toBe(0);
    expect(await metrics.prometheusText()).toBe('# no registered metrics');
    expect([...infos, ...warnings]).toEqual([]);
  });

  it('stop() kills a running nvidia-smi, stops polling and stops reporting', async () => {
    fake = new FakeNvidiaSmi().printFixture('h100.csv');
    const p = start({ intervalSeconds: 0.05 });
    await p.pollNow();
    expect(await metrics.points()).toHaveLength(7);

    fake.hang();
    const hung = p.pollNow();
    await waitFor(() => fake.hungPid() !== undefined);
    p.stop();
    await hung;
    await waitFor(() => !isAlive(fake.hungPid()!));
    const calls = fake.calls();
    await sleep(200);
    expect(fake.calls()).toBe(calls);
    expect(await metrics.points()).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('never keeps the process alive: its timer and a running nvidia-smi are unref\'d', async () => {
    fake = new FakeNvidiaSmi().hang();
    const before = keptAlive();
    const p = start({ intervalSeconds: 1, timeoutSeconds: 30 });
    await waitFor(() => fake.hungPid() !== undefined);
    expect(keptAlive()).toEqual(before);
    p.stop();
  });
});

/** What holds the event loop open: active handles that are ref'd (Node lists only those). */
function keptAlive(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'FSReqCallback').sort();
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
