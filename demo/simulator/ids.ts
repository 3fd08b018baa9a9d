// Ids shaped like each provider's (prefix + random base62 or hex), so parsers see realistic values.
import { randomBytes } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function base62Id(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += BASE62[byte % BASE62.length];
  return id;
}

export function hexId(prefix: string, bytes: number): string {
  return prefix + randomBytes(bytes).toString('hex');
}
