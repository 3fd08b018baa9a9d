// Typed, validating reads of environment variables. Every bad value is reported through one
// callback, once per variable, and the caller's default is used instead.

export type Env = Record<string, string | undefined>;
/** Reports one bad value; the caller has already chosen the default. */
export type WarnBadValue = (variable: string, value: string, defaultUsed: string, reason: string) => void;

/** Small typed readers over one env object; each reports bad values through `warn`. */
export class EnvReader {
  private readonly warned = new Set<string>();
  private readonly warn: WarnBadValue;

  constructor(
    readonly env: Env,
    warn: WarnBadValue,
  ) {
    // A variable read for two signals (the general OTLP endpoint) is still reported once.
    this.warn = (variable, ...rest) => {
      if (this.warned.has(variable)) return;
      this.warned.add(variable);
      warn(variable, ...rest);
    };
  }

  /** Reports a value that each reader accepted but that conflicts with another variable. */
  reportBad(name: string, value: string, defaultUsed: string, reason: string): void {
    this.warn(name, value, defaultUsed, reason);
  }

  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    this.warn(name, value, String(fallback), 'expected true or false');
    return fallback;
  }

  number(name: string, fallback: number, check: { min?: number; max?: number; integer?: boolean } = {}): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    const { min = -Infinity, max = Infinity, integer = false } = check;
    if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
      const range = `${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}${max < Infinity ? ` and <= ${max}` : ''}`;
      this.warn(name, value, String(fallback), `expected ${range}`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase() as T;
    if (allowed.includes(lower)) return lower;
    this.warn(name, value, fallback, `expected one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** A comma-separated list whose every item is allowed; one bad item rejects the whole value. */
  listOf<T extends string>(name: string, allowed: readonly T[], fallback: T[]): T[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const items = value.split(',').map((item) => item.trim().toLowerCase()).filter(Boolean) as T[];
    const bad = items.filter((item) => !allowed.includes(item));
    if (items.length === 0 || bad.length > 0) {
      this.warn(name, value, fallback.join(','), `unsupported ${bad.join(', ') || 'empty list'}; expected any of ${allowed.join(', ')}`);
      return fallback;
    }
    return [...new Set(items)];
  }

  url(name: string, fallback: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:') return value;
    } catch {
      // reported below
    }
    this.warn(name, value, fallback, 'expected an http:// or https:// URL');
    return fallback;
  }

  /** Comma-separated positive numbers in increasing order (histogram bucket boundaries). */
  increasingNumbers(name: string, fallback: readonly number[]): number[] {
    const value = this.raw(name);
    if (value === undefined) return [...fallback];
    const numbers = value.split(',').map((item) => Number(item.trim()));
    const ok = numbers.length > 0 && numbers.every((n, i) => Number.isFinite(n) && n > 0 && (i === 0 || n > numbers[i - 1]!));
    if (!ok) {
      this.warn(name, value, fallback.join(','), 'expected positive numbers in increasing order, comma-separated');
      return [...fallback];
    }
    return numbers;
  }
}
