// A service that calls models through the real SDKs on the plan the test hands it (PLAN, JSON):
// the warm-up calls at start, so each series exists before Prometheus's first scrape (rate() needs
// a baseline), the planned calls all at once on SIGUSR2, then it stays up until it is stopped.
// It prints one RESULT line per call with the usage the SDK reported, then DONE.
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const base = process.env.SIM_URL;
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sk-test', maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: base, apiKey: 'sk-ant-test', maxRetries: 0 });
const messages = [{ role: 'user', content: 'tell me about the weather today' }];

function scheduleHeaders(call) {
  const headers = { 'x-sim-first-chunk-ms': String(call.firstChunkMs), 'x-sim-interval-ms': '20', 'x-sim-chunks': String(call.chunks) };
  if (call.error) headers['x-sim-error'] = call.error;
  return headers;
}

const clients = {
  async openai(call) {
    const stream = await openai.chat.completions.create(
      { model: call.model, stream: true, stream_options: { include_usage: true }, messages },
      { headers: scheduleHeaders(call) },
    );
    const usage = {};
    for await (const chunk of stream) {
      if (chunk.usage) Object.assign(usage, { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens });
    }
    return usage;
  },
  async anthropic(call) {
    const stream = await anthropic.messages.create(
      { model: call.model, max_tokens: 128, stream: true, messages },
      { headers: scheduleHeaders(call) },
    );
    const usage = {};
    for await (const event of stream) {
      if (event.type === 'message_start') usage.input = event.message.usage.input_tokens;
      if (event.type === 'message_delta') usage.output = event.usage.output_tokens;
    }
    return usage;
  },
};

async function run(call) {
  try {
    return { ok: true, ...(await clients[call.client](call)) };
  } catch (error) {
    return { ok: false, status: error?.status };
  }
}

const plan = JSON.parse(process.env.PLAN);
for (const call of plan.warmUp) console.log('RESULT ' + JSON.stringify(await run(call)));
console.log('WARM');
process.once('SIGUSR2', async () => {
  for (const result of await Promise.all(plan.calls.map(run))) console.log('RESULT ' + JSON.stringify(result));
  console.log('DONE');
});
setInterval(() => {}, 60_000);
