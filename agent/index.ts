// The public API for code that wants more than the zero-code preload: in-process models, and
// starting the agent programmatically.
export { traceModelCall, traceTokenStream, type ModelCallHandle, type ModelCallInfo, type ModelCallUsage, type TokenStreamOptions } from './api.js';
export { startAgent } from './start.js';
