// Finds a program the way a shell would: a path is checked as given, a bare name is looked up on PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, sep } from 'node:path';
import type { Env } from './config.js';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The program's path, or undefined when it is not there. `accept` decides what counts: by default
 * an executable file; `existsSync` finds anything by that name, for callers that let the spawn
 * itself report what is wrong with it.
 */
export function findExecutable(name: string, env: Env, accept: (path: string) => boolean = isExecutableFile): string | undefined {
  if (isAbsolute(name) || name.includes(sep) || name.includes('/')) return accept(name) ? name : undefined;
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = join(dir, name + extension);
      if (accept(candidate)) return candidate;
    }
  }
  return undefined;
}
