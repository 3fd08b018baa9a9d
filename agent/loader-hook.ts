import { createRequire, register as registerAsync } from 'node:module';
import { describe, log } from './log.js';

/** Modules whose ESM imports must be wrappable so instrumentation-http can patch them. */
export const HOOKED_MODULES = ['http', 'https', 'node:http', 'node:https'];

interface SyncHooks {
  register(options: { include: string[] }): void;
}

const requireEsm = createRequire(import.meta.url);

export function registerLoaderHook(): void {
  try {
    // import-in-the-middle's own check: module.registerHooks exists from Node 22.15, but its
    // synchronous loader works only from 22.22.3 / 24.11.1; older Nodes get the threaded loader.
    const { supportsSyncHooks } = requireEsm('import-in-the-middle/supports-sync-hooks.mjs') as { supportsSyncHooks(): boolean };
    if (supportsSyncHooks()) {
      (requireEsm('import-in-the-middle/register-hooks.mjs') as SyncHooks).register({ include: HOOKED_MODULES });
    } else {
      registerAsync('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: HOOKED_MODULES } });
    }
  } catch (err) {
    log.error(`could not register the ESM loader hook; ESM imports of node:http will not be traced: ${describe(err)}`);
  }
}
