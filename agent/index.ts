// The public API for code that wants more than the zero-code preload (in-process models, say).
export { startAgent } from './start.js';
