// What both modes of the demo run: the model simulator in this process and the sample chat service in
// a child process with the agent preloaded, each registered with the caller's Cleanup as it starts.
// The one-shot report (run-demo.ts) and the long-running compose mode (serve.ts) differ only in how the
// agent in the service is configured and in what they do with the pair.
import { existsSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable } from '../agent/find-executable.js';
import type { Cleanup } from './cleanup.js';
import { startServiceProcess, type ServiceProcess } from './service-process.js';
import { startModelSimulator, type ModelSimulator } from './simulator/index.js';

/** A step of the demo went wrong; the message says which and what was seen. */
export class DemoFailure extends Error {}

export const LOOPBACK = '127.0.0.1';
export const SERVICE_NAME = 'demo-chat';
const SERVICE_START_TIMEOUT_MS = 15_000;
/** Time the agent gets to flush its spans after SIGTERM before the service is killed. */
export const SERVICE_STOP_GRACE_MS = 5_000;
/** The simulator's schedule where a request names none (the load's requests name theirs). */
const SIMULATOR_DEFAULTS = { firstChunkMs: 300, intervalMs: 25, chunks: 24 };

export interface DemoStackOptions {
  simulatorHost: string;
  /** 0 takes any free port. */
  simulatorPort: number;
  /** The agent's settings in the service's environment, given whether nvidia-smi was found. */
  agentEnv(gpu: boolean): Record<string, string>;
}

export interface DemoStack {
  simulator: ModelSimulator;
  service: ServiceProcess;
  /** The service's compiled entry, for messages. */
  serviceEntry: string;
  /** The nvidia-smi the agent polls, if one is on PATH. */
  nvidiaSmi?: string;
}

/** The compiled entries the demo runs; the demo ships inside the package, next to the agent. */
function builtEntries(): { agentEntry: string; serviceEntry: string } {
  const agentEntry = fileURLToPath(new URL('../bundle/register.js', import.meta.url));
  const serviceEntry = fileURLToPath(new URL('./service/main.js', import.meta.url));
  for (const entry of [agentEntry, serviceEntry]) {
    if (!existsSync(entry)) throw new DemoFailure(`${entry} is missing: run \`npm run build\` first`);
  }
  return { agentEntry, serviceEntry };
}

/** What the child inherits: enough to run node, and none of the caller's OTEL_* settings. */
function baseEnv(): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT']) {
    const value = process.env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}

/** The simulator as the service on this machine reaches it: a wildcard address is not one to connect to. */
function localUrl(simulator: ModelSimulator, host: string): string {
  if (host === '0.0.0.0') return `http://${LOOPBACK}:${simulator.port}`;
  if (host === '::' || host === '[::]') return `http://[::1]:${simulator.port}`;
  return simulator.url;
}

export async function startDemoStack(cleanup: Cleanup, options: DemoStackOptions): Promise<DemoStack> {
  const { agentEntry, serviceEntry } = builtEntries();
  const simulator = await startModelSimulator({ host: options.simulatorHost, port: options.simulatorPort, defaults: SIMULATOR_DEFAULTS });
  cleanup.add('model simulator', () => simulator.close());
  const nvidiaSmi = findExecutable('nvidia-smi', process.env);
  const service = await startServiceProcess({
    agentEntry,
    serviceEntry,
    startTimeoutMs: SERVICE_START_TIMEOUT_MS,
    env: { ...baseEnv(), ...options.agentEnv(nvidiaSmi !== undefined), DEMO_MODEL_URL: localUrl(simulator, options.simulatorHost) },
  });
  cleanup.add('chat service', () => service.stop(SERVICE_STOP_GRACE_MS));
  return { simulator, service, serviceEntry, nvidiaSmi };
}

/** The agent's GPU polling: on where nvidia-smi is, else off rather than failing every 15 s. */
export function gpuInterval(gpu: boolean): string {
  return gpu ? '15' : '0';
}

/** Relative to the working directory when below it, else absolute. */
function shortPath(path: string): string {
  const below = relative(process.cwd(), path);
  return below.startsWith('..') || isAbsolute(below) ? path : below;
}

/** The banner line both modes print about the service. */
export function serviceLine(stack: DemoStack): string {
  return `  chat service     ${stack.service.url}  node --import llm-otel-agent ${shortPath(stack.serviceEntry)} (pid ${stack.service.pid})`;
}

/** The banner line both modes print about the GPU metrics. */
export function gpuLine(stack: DemoStack): string {
  return `  GPU metrics      ${stack.nvidiaSmi ? `on (${stack.nvidiaSmi})` : 'off (no nvidia-smi on PATH)'}`;
}

/** The service's output, appended to a failure message. */
export function serviceOutput(service: ServiceProcess): string {
  const text = service.output().trim();
  return text ? `\n--- the service's output ---\n${text}` : '';
}
