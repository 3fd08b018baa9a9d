// Small, allocation-free readers for untrusted JSON. Providers change their payloads without notice
// and proxies rewrite them, so every field is checked before use and nothing here throws.

export type JsonObject = Record<string, unknown>;

/** JSON.parse that returns undefined instead of throwing on malformed text. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A finite number; token counts and sampling parameters are never NaN or Infinity. */
export function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function arrayOrEmpty(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : EMPTY;
}

const EMPTY: readonly unknown[] = Object.freeze([]);
