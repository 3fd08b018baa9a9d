// Reads docker-compose.yml the way the tests need it: which ports a service listens on, and which
// repository file a path inside a container is (through the service's bind mounts).
import { posix } from 'node:path';
import { readYaml } from './stack-files.js';

export interface ComposeService {
  image: string;
  command?: string[];
  entrypoint?: string[];
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  environment?: Record<string, string>;
  profiles?: string[];
  depends_on?: string[] | Record<string, unknown>;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export const loadCompose = (): ComposeFile => readYaml<ComposeFile>('docker-compose.yml');

export interface Mount {
  source: string;
  target: string;
  /** A path in the repository (the source started with "./"), or a named volume. */
  bind: boolean;
}

export function mounts(service: ComposeService): Mount[] {
  return (service.volumes ?? []).map((entry) => {
    const [source, target] = entry.split(':');
    return { source, target, bind: source.startsWith('./') };
  });
}

/** Ports the service's container listens on ("host:container" and "expose" entries). */
export function containerPorts(service: ComposeService): number[] {
  return [...(service.ports ?? []), ...(service.expose ?? [])].map((entry) =>
    Number(String(entry).split(':').pop()!.split('/')[0]),
  );
}

/** The repository-relative path a container path comes from, or undefined when no bind mount covers it. */
export function hostPathFor(service: ComposeService, containerPath: string): string | undefined {
  for (const { source, target, bind } of mounts(service)) {
    if (!bind) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return posix.normalize(posix.join(source, containerPath.slice(target.length)));
    }
  }
  return undefined;
}

/** The value of `--flag=value` or `-flag=value` in a command line. */
export function flagValue(command: string[] | undefined, flag: string): string | undefined {
  const prefix = `${flag}=`;
  return command?.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

/** Host and port of "host:port" or "scheme://host:port/path". */
export function hostAndPort(endpoint: string): { host: string; port: number } {
  const url = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  return { host: url.hostname, port: Number(url.port) };
}
