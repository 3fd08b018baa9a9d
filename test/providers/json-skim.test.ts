// The request-body skim: the fields it is asked for come out as JSON.parse gives them, for tricky
// texts, random JSON and every recorded request, and every parser that declares its request fields
// reads the same facts from a skimmed body as from a parsed one, 100 KB prompt included.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { skimObject } from '../../agent/providers/json-skim.js';
import { PROVIDER_ROUTES, recognise } from '../../agent/providers/table.js';
import { loadRecording, outgoingRequestOf } from './recordings.js';

const pick = (object: Record<string, unknown>, fields: Iterable<string>) =>
  Object.fromEntries([...fields].filter((field) => Object.hasOwn(object, field)).map((field) => [field, object[field]]));

describe('skimObject', () => {
  it.each([
    ['{"model":"m","stream":true}', ['model', 'stream']],
    ['  {\n\t"model" : "m" ,\r\n "n": 2 }  ', ['model', 'n']],
    ['{"messages":[{"content":"a \\"quoted\\" } ] { [ word"}],"model":"m"}', ['model']],
    ['{"messages":"ends with a backslash \\\\","model":"m"}', ['model']],
    ['{"a":{"b":[1,{"c":"}"}]},"model":"x"}', ['model', 'a']],
    ['{"model":"first","model":"last"}', ['model']],
    ['{"mo\\u0064el":"escaped key"}', ['model']],
    ['{"temperature":0.25,"max_tokens":-1e3,"stop":null,"seed":false}', ['temperature', 'max_tokens', 'stop', 'seed']],
    ['{}', ['model']],
    ['{"model":"日本語 🎉"}', ['model']],
  ])('%s', (text, fields) => {
    expect(skimObject(text, new Set(fields))).toEqual(pick(JSON.parse(text), fields));
  });

  it.each(['[1,2]', '"model"', '{"model":"m"', '{"model" "m"}', '{"model":"m"} x', '{"model":}', '', '{"model":"m",}'])(
    'refuses %j, which is not a JSON object',
    (text) => {
      expect(skimObject(text, new Set(['model']))).toBeUndefined();
    },
  );

  it('agrees with JSON.parse on random nested JSON', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['a', '"', '\\', '{', '}', '[', ']', ':', ',', ' ', '\n', 'é', '🎉', 'model'];
    const randomString = () => Array.from({ length: Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    const randomValue = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 3 ? 4 : 6));
      if (kind === 0) return randomString();
      if (kind === 1) return Math.round(random() * 1e6) / 100;
      if (kind === 2) return random() < 0.5;
      if (kind === 3) return null;
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [randomString(), randomValue(depth + 1)]));
    };
    for (let run = 0; run < 500; run++) {
      const object = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 6) }, (_, i) => [`k${i}`, randomValue(0)]));
      const text = JSON.stringify(object, null, run % 3 === 0 ? 2 : undefined);
      const fields = Object.keys(object).filter(() => random() < 0.5);
      expect(skimObject(text, new Set(fields))).toEqual(pick(object, fields));
    }
  });
});

describe('parsers that declare their request fields', () => {
  const recordings = readdirSync(new URL('../fixtures/provider-recordings/', import.meta.url))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, recording: loadRecording(file) }))
    .filter(({ recording }) => recording.request.body !== null && typeof recording.request.body === 'object');
  const bigPrompt = 'x'.repeat(50_000) + ' "quoted" {braces} [brackets] \\ ' + 'y'.repeat(50_000);

  it.each(recordings.map(({ file }) => file))('read the same facts from a skimmed body of %s, with a 100 KB prompt added', (file) => {
    const { recording } = recordings.find((r) => r.file === file)!;
    const call = recognise(outgoingRequestOf(recording))!;
    const { parser } = call.route;
    if (!parser.requestFields) return;
    const body = { prompt_padding: [{ role: 'user', content: bigPrompt }], ...recording.request.body };
    const text = JSON.stringify(body);
    const options = { captureContent: false };
    expect(parser.readRequest(skimObject(text, new Set(parser.requestFields)), options)).toEqual(parser.readRequest(JSON.parse(text), options));
  });

  it('cover every parameter their shapes read', () => {
    // A body holding every field any parser declares, with a value of each kind, skimmed for each parser.
    const declared = new Set(PROVIDER_ROUTES.flatMap((route) => route.parser.requestFields ?? []));
    expect(declared.size).toBeGreaterThan(5);
    const body: Record<string, unknown> = { messages: [{ role: 'user', content: bigPrompt }] };
    for (const field of declared) body[field] = field === 'model' ? 'm' : field === 'stream' ? true : field === 'stop' ? ['a'] : field === 'options' ? { num_predict: 3, temperature: 0.5 } : 0.5;
    const text = JSON.stringify(body);
    for (const route of PROVIDER_ROUTES) {
      const { parser } = route;
      if (!parser.requestFields) continue;
      const options = { captureContent: false };
      expect(parser.readRequest(skimObject(text, new Set(parser.requestFields)), options)).toEqual(parser.readRequest(JSON.parse(text), options));
    }
  });
});

describe('ExchangeReader', () => {
  it('reads a large request through the skim with the facts a full parse gives', async () => {
    const { ExchangeReader } = await import('../../agent/providers/exchange-reader.js');
    const call = recognise({ method: 'POST', host: 'api.openai.com', port: 443, path: '/v1/chat/completions' })!;
    const text = JSON.stringify({ messages: [{ role: 'user', content: 'p'.repeat(100_000) }], model: 'gpt-x', stream: true, temperature: 0.3, stop: 'END' });
    const skimmed = new ExchangeReader(call, { captureContent: false }).readRequest(text);
    const parsed = call.route.parser.readRequest(JSON.parse(text), { captureContent: false });
    expect(skimmed).toEqual(parsed);
    expect(skimmed!.model).toBe('gpt-x');
  });
});
