// Reads a scrape the way the tests need it: samples by metric name with their labels, and the
// exemplars of an OpenMetrics exposition.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ScrapedExemplar {
  series: string;
  traceId: string;
  spanId: string;
  value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/;
const EXEMPLAR = /^(\S+\{[^}]*\}|\S+) \S+ # \{trace_id="([0-9a-f]{32})",span_id="([0-9a-f]{16})"\} (\S+)/;

export function samplesOf(body: string, name: string): Sample[] {
  const out: Sample[] = [];
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key!] = value!;
    out.push({ name, labels, value: Number(match[3]) });
  }
  return out;
}

/** Sum of the samples of `name` whose labels include every one of `where`. */
export function sumOf(body: string, name: string, where: Record<string, string> = {}): number {
  return samplesOf(body, name)
    .filter((sample) => Object.entries(where).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

export function exemplarsOf(body: string): ScrapedExemplar[] {
  const out: ScrapedExemplar[] = [];
  for (const line of body.split('\n')) {
    const match = EXEMPLAR.exec(line);
    if (match) out.push({ series: match[1]!, traceId: match[2]!, spanId: match[3]!, value: Number(match[4]) });
  }
  return out;
}
