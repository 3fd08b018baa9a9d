// Entry of the demo's sample chat service. Run it as a user would, with the agent preloaded:
//   DEMO_MODEL_URL=http://127.0.0.1:8080 node --import llm-otel-agent dist/demo/service/main.js
// It prints `demo-chat listening on <url>` once it accepts requests. PORT defaults to 0 (any free port).
import type { AddressInfo } from 'node:net';
import { createChatService, LISTENING_PREFIX } from './chat-service.js';

const modelBaseUrl = process.env.DEMO_MODEL_URL;
if (!modelBaseUrl) {
  console.error('DEMO_MODEL_URL is not set: point it at the model simulator (or any OpenAI/Anthropic-compatible server)');
  process.exit(2);
}
const server = createChatService({ modelBaseUrl });
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`${LISTENING_PREFIX}http://${address}:${port}`);
});
