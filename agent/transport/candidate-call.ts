// A request that may be a model call (a candidate route's: Ollama's /api/chat on a host that names
// no model server), proven or dismissed by its own exchange. Nothing is recorded until the proof:
// its request body must have the API's shape, its response be 2xx NDJSON or JSON, and the first
// NDJSON line (or the whole JSON body) have the API's shape too. Proven, it becomes a ModelCall that
// starts when the request did, in the context the request was made in, and is handed what was held
// back (the head, the chunks so far) at once, so its first content chunk is stamped as it arrives.
// Dismissed, it drops what it held and the tap forgets it: an ordinary service's /api/chat costs a
// look at its body and its response head.
//
// The decision comes after the HTTP instrumentation has started its plain client span for the
// request, and after the request's headers went out: a proven candidate keeps that span beside its
// model-call span, and carries no traceparent of its own. LLM_OTEL_MODEL_SERVERS avoids both.
import type { Context } from '@opentelemetry/api';
import type { ExchangeProof, HeaderLookup, RecognisedCall, RequestTarget } from '../providers/types.js';
import type { ModelCall } from '../spans/model-call.js';

/** The longest first NDJSON line, and the largest whole JSON body, held back for the proof. */
const MAX_FIRST_LINE_BYTES = 64 * 1024;
const MAX_WHOLE_BODY_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/** What a proven candidate becomes: ModelCalls builds its ModelCall. */
export type ConfirmCandidate = (call: RecognisedCall, target: RequestTarget, startedAt: number, parent: Context, requestBody: string | undefined) => ModelCall;

type State = 'awaiting-head' | 'awaiting-proof' | 'proven' | 'dismissed';

export class CandidateCall {
  private state: State = 'awaiting-head';
  private status = 0;
  private header: HeaderLookup | undefined;
  private streamed = false;
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private modelCall: ModelCall | undefined;
  ended = false;

  constructor(
    private readonly call: RecognisedCall,
    private readonly proof: ExchangeProof,
    private readonly target: RequestTarget,
    private readonly startedAt: number,
    private readonly parent: Context,
    private requestBody: string | undefined,
    private readonly confirm: ConfirmCandidate,
  ) {}

  /** Not a model call (yet): the HTTP instrumentation keeps its span for the request. */
  get provisional(): boolean {
    return this.state !== 'proven';
  }

  /** Proven not to be one: the tap may forget the request. */
  get dismissed(): boolean {
    return this.state === 'dismissed';
  }

  /** The model call it became, once proven. */
  get proven(): ModelCall | undefined {
    return this.modelCall;
  }

  lateRequestBody(body: string): void {
    if (this.modelCall) this.modelCall.lateRequestBody(body);
    else if (this.state === 'awaiting-head') this.requestBody ??= body;
  }

  onResponseHead(status: number, header: HeaderLookup): void {
    if (this.state !== 'awaiting-head') return;
    const type = header('content-type')?.toLowerCase() ?? '';
    const streamed = type.startsWith('application/x-ndjson');
    if (status < 200 || status >= 300 || !(streamed || type.startsWith('application/json')) || !this.requestHasShape()) return this.dismiss();
    this.status = status;
    this.header = header;
    this.streamed = streamed;
    this.state = 'awaiting-proof';
  }

  onChunk(chunk: Uint8Array): void {
    if (this.modelCall) return this.modelCall.onChunk(chunk);
    if (this.state !== 'awaiting-proof') return;
    this.held.push(chunk);
    this.heldBytes += chunk.byteLength;
    if (!this.streamed) {
      if (this.heldBytes > MAX_WHOLE_BODY_BYTES) this.dismiss();
      return;
    }
    const newline = chunk.indexOf(NEWLINE);
    if (newline >= 0) {
      const lineBytes = this.heldBytes - chunk.byteLength + newline;
      this.decide(Buffer.concat(this.held).subarray(0, lineBytes));
    } else if (this.heldBytes > MAX_FIRST_LINE_BYTES) this.dismiss();
  }

  onComplete(): void {
    // A whole body (or a stream of one line without its newline) is decided at its end.
    if (this.state === 'awaiting-proof' && this.held.length > 0) this.decide(Buffer.concat(this.held));
    this.end((call) => call.onComplete());
  }

  onError(error: unknown): void {
    this.end((call) => call.onError(error));
  }

  onCancel(): void {
    this.end((call) => call.onCancel());
  }

  private end(how: (call: ModelCall) => void): void {
    if (this.ended) return;
    this.ended = true;
    if (this.modelCall) how(this.modelCall);
    else this.dismiss();
  }

  private requestHasShape(): boolean {
    const body = this.requestBody;
    // Most bodies are turned away by a look for the one key every model request has.
    if (body === undefined || !body.includes('"model"')) return false;
    return this.proof.request(parseJson(body));
  }

  private decide(bytes: Uint8Array): void {
    if (!this.proof.response(parseJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')))) return this.dismiss();
    const modelCall = this.confirm(this.call, this.target, this.startedAt, this.parent, this.requestBody);
    this.modelCall = modelCall;
    this.state = 'proven';
    const held = this.held;
    this.held = [];
    modelCall.onResponseHead(this.status, this.header!);
    for (const chunk of held) modelCall.onChunk(chunk);
  }

  private dismiss(): void {
    this.state = 'dismissed';
    this.held = [];
    this.requestBody = undefined;
    this.header = undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
