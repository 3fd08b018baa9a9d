// Entry for `node --require llm-otel-agent app.js` (CommonJS services). CommonJS modules are
// patched at require time, so no loader hook is needed; the agent itself is ESM without top-level
// await, which Node 22.12+ can require synchronously.
'use strict';
require('./start.js').startAgent();
