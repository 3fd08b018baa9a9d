// tsc compiles .ts only; the tiny CommonJS entry is copied next to the compiled ESM it requires.
import { copyFileSync } from 'node:fs';
copyFileSync(new URL('../agent/register.cjs', import.meta.url), new URL('../dist/agent/register.cjs', import.meta.url));
