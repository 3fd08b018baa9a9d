// x-sim-split-utf8: writes split inside multi-byte characters; clients must still decode the text.
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { generatedTokens } from '../../demo/simulator/index.js';
import { anthropicClient, openAIClient, useSimulator } from './helpers.js';

const sim = useSimulator();
const messages = [{ role: 'user' as const, content: 'hi' }];
// 18 chunks: six writes with a character to split, so at least one is seen alone.
const split = { 'x-sim-split-utf8': '1', 'x-sim-chunks': '18' };

function isWholeUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The raw body as the socket delivered it, piece by piece. */
async function rawPieces(path: string, body: unknown, headers: Record<string, string>): Promise<Buffer[]> {
  const req = request(new URL(path, sim.current.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
  });
  req.end(JSON.stringify(body));
  const res = await new Promise<import('node:http').IncomingMessage>((resolve) => req.once('response', resolve));
  const pieces: Buffer[] = [];
  for await (const piece of res) pieces.push(piece as Buffer);
  return pieces;
}

describe('multi-byte UTF-8 split across writes', () => {
  it('delivers pieces that end inside a character, and the whole still decodes', async () => {
    const pieces = await rawPieces('/v1/chat/completions', { model: 'm', messages, stream: true }, split);
    expect(pieces.some((piece) => !isWholeUtf8(piece))).toBe(true);
    const text = Buffer.concat(pieces).toString('utf8');
    for (const token of ['héllo', '世界', '👋']) expect(text).toContain(token);
  });

  it('without the header, every write is whole UTF-8', async () => {
    const pieces = await rawPieces('/v1/chat/completions', { model: 'm', messages, stream: true }, { 'x-sim-chunks': '9' });
    expect(pieces.every(isWholeUtf8)).toBe(true);
  });

  it('the SDKs decode the exact tokens', async () => {
    const stream = await openAIClient(sim.current, split).chat.completions.create({ model: 'm', messages, stream: true });
    const tokens: string[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) tokens.push(chunk.choices[0].delta.content);
    expect(tokens).toEqual(generatedTokens(18));

    const message = await anthropicClient(sim.current, split)
      .messages.stream({ model: 'claude', max_tokens: 50, messages })
      .finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: generatedTokens(18).join('') }]);
  });
});
