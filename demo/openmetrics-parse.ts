// Reads an OpenMetrics (or Prometheus 0.0.4) text exposition into samples, with exemplars: just
// enough of the format for the demo's report to do what Prometheus and a dashboard would do.

export type Labels = Record<string, string>;

export interface Exemplar {
  labels: Labels;
  value: number;
}

export interface MetricSample {
  /** The sample's full name, e.g. llm_requests_total or llm_first_token_latency_seconds_bucket. */
  name: string;
  labels: Labels;
  value: number;
  exemplar?: Exemplar;
}

/** Thrown for a line that is not a sample; names the line so the cause is visible. */
export class ExpositionParseError extends Error {}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };

/** A cursor over one line. */
class LineReader {
  position = 0;

  constructor(readonly line: string) {}

  fail(what: string): never {
    throw new ExpositionParseError(`expected ${what} at column ${this.position + 1} of ${JSON.stringify(this.line)}`);
  }

  skipSpaces(): void {
    while (this.line[this.position] === ' ') this.position++;
  }

  name(): string {
    const match = NAME.exec(this.line.slice(this.position));
    if (!match) this.fail('a name');
    this.position += match[0].length;
    return match[0];
  }

  expect(char: string): void {
    if (this.line[this.position] !== char) this.fail(JSON.stringify(char));
    this.position++;
  }

  /** `{a="1",b="x\"y"}`; the reader must be at `{`. */
  labels(): Labels {
    const labels: Labels = {};
    this.expect('{');
    while (this.line[this.position] !== '}') {
      const name = this.name();
      this.expect('=');
      labels[name] = this.quoted();
      if (this.line[this.position] === ',') this.position++;
      else if (this.line[this.position] !== '}') this.fail('"," or "}"');
    }
    this.position++;
    return labels;
  }

  private quoted(): string {
    this.expect('"');
    let value = '';
    for (;;) {
      const char = this.line[this.position++];
      if (char === undefined) this.fail('a closing quote');
      if (char === '"') return value;
      if (char === '\\') {
        const escaped = ESCAPES[this.line[this.position++] ?? ''];
        if (escaped === undefined) this.fail('an escape sequence');
        value += escaped;
      } else value += char;
    }
  }

  number(): number {
    this.skipSpaces();
    const start = this.position;
    while (this.position < this.line.length && this.line[this.position] !== ' ') this.position++;
    const text = this.line.slice(start, this.position);
    const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
    if (text === '' || (Number.isNaN(value) && text !== 'NaN')) this.fail('a number');
    return value;
  }

  atEnd(): boolean {
    return this.position >= this.line.length;
  }
}

function parseSample(line: string): MetricSample {
  const reader = new LineReader(line);
  const name = reader.name();
  const labels = reader.line[reader.position] === '{' ? reader.labels() : {};
  const value = reader.number();
  const sample: MetricSample = { name, labels, value };
  reader.skipSpaces();
  // An optional timestamp, then an optional exemplar: ` # {labels} value [timestamp]`.
  if (!reader.atEnd() && reader.line[reader.position] !== '#') reader.number();
  reader.skipSpaces();
  if (reader.line[reader.position] === '#') {
    reader.position++;
    reader.skipSpaces();
    sample.exemplar = { labels: reader.labels(), value: reader.number() };
  }
  return sample;
}

export function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    samples.push(parseSample(line));
  }
  return samples;
}

/** Scrapes as Prometheus does, asking for OpenMetrics (which carries exemplars). */
export async function scrapeOpenMetrics(url: string, signal?: AbortSignal): Promise<MetricSample[]> {
  const response = await fetch(url, {
    headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    signal: signal ?? AbortSignal.timeout(5_000),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}: ${body.slice(0, 200)}`);
  return parseExposition(body);
}
