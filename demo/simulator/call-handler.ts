// Answers one model call: route, body, schedule, record; then hands the response to the responder.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { JSON_CONTENT_TYPE } from './encoding.js';
import { type JsonObject, epochNow, generate } from './generation.js';
import { hexId } from './ids.js';
import { PROVIDERS, errorBody } from './providers.js';
import { loadRecording, recordedBody, recordedEncoding, recordedFrames } from './replay.js';
import type { Engines } from './engine.js';
import { type Call, sendError, sendFrames, sendWhole } from './responder.js';
import { type Route, findRoute } from './routes.js';
import { ScheduleHeaderError, resolveSchedule } from './schedule.js';
import type { SimCallRecord, SimProvider, SimSchedule } from './types.js';
import { ResponseWriter } from './writer.js';

export interface CallHandlerOptions {
  defaults: SimSchedule;
  replayDir: string | undefined;
  calls: SimCallRecord[];
  /** The model engines generated answers are queued on and run by (replays and simulated HTTP errors bypass them). */
  engines: Engines;
}

async function readJsonObject(req: IncomingMessage): Promise<JsonObject | undefined> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : undefined;
  } catch {
    return undefined;
  }
}

function notFound(req: IncomingMessage, res: ServerResponse): void {
  const body = JSON.stringify(errorBody('openai', 404, '', `Invalid URL (${req.method} ${req.url})`));
  res.writeHead(404, { 'content-type': JSON_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function newRecord(id: string, path: string, provider: SimProvider, receivedAt: number, httpVersion: string): SimCallRecord {
  return {
    httpVersion,
    id,
    path,
    provider,
    model: null,
    stream: false,
    status: 0,
    error: null,
    receivedAt,
    firstContentWrittenAt: null,
    endedAt: null,
    chunks: 0,
    scheduledAt: null,
    promptTokens: null,
    outputTokens: 0,
    aborted: false,
  };
}

export function createCallHandler(options: CallHandlerOptions) {
  return async function handleCall(req: IncomingMessage, res: ServerResponse, pathname: string, query = new URLSearchParams()): Promise<void> {
    const receivedAt = epochNow();
    const route = req.method === 'POST' ? findRoute(pathname) : undefined;
    if (!route) return notFound(req, res);

    const { provider } = route.format;
    const record = newRecord(hexId('req_', 12), pathname, provider, receivedAt, req.httpVersion);
    options.calls.push(record);
    const writer = new ResponseWriter(res);
    res.once('close', () => {
      record.endedAt = epochNow();
      record.aborted = writer.leftEarly;
    });
    const headers: OutgoingHttpHeaders = {};
    for (const name of PROVIDERS[provider].requestIdHeaders) headers[name] = record.id;
    const call: Call = { res, writer, record, schedule: options.defaults, headers };

    const body = await readJsonObject(req);
    if (!body) return sendError(call, provider, 400, 'We could not parse the JSON body of your request.');
    try {
      call.schedule = resolveSchedule(req.headers, options.defaults);
    } catch (error) {
      if (error instanceof ScheduleHeaderError) return sendError(call, provider, 400, error.message);
      throw error;
    }
    record.error = call.schedule.error;
    record.stream = route.format.streaming !== undefined && (route.streams ?? route.format.wantsStream(body));
    return call.schedule.replay ? replay(call, route, body, call.schedule.replay) : answer(call, route, body, query);
  };

  async function answer(call: Call, route: Route, body: JsonObject, query: URLSearchParams): Promise<void> {
    const { format } = route;
    const { record, schedule } = call;
    const model = typeof body.model === 'string' ? body.model : route.pathModel;
    if (!model) return sendError(call, format.provider, 400, 'you must provide a model parameter');
    record.model = model;

    if (schedule.error === '429' || schedule.error === '500' || schedule.error === '400') {
      return sendError(call, format.provider, Number(schedule.error) as 429 | 500 | 400);
    }
    const generation = generate({
      requestId: record.id,
      model,
      body,
      schedule,
      maxOutputTokens: format.maxOutputTokens(body),
      usageRequested: format.usageRequested(body),
    });
    // Queued on the model's engine; false when the client left while the call waited.
    if (!(await options.engines.for(model).schedule(call, generation))) return;
    if (!record.stream || !format.streaming) {
      // A whole body has no "middle" to fail in: midstream fails it as a server error.
      if (schedule.error === 'midstream') return sendError(call, format.provider, 500);
      const indent = PROVIDERS[format.provider].wholeBodyIndent;
      Object.assign(call.headers, format.wholeBodyHeaders?.(generation));
      const wholeBody = () => JSON.stringify(format.wholeBody(generation), null, indent);
      return sendWhole(call, 200, JSON_CONTENT_TYPE, wholeBody, generation.outputTokens);
    }
    const { streaming } = format;
    const encoding = format.encodingFor?.(query) ?? format.encoding;
    return sendFrames(call, {
      status: 200,
      contentType: encoding.contentType,
      encoding,
      plan: streaming.plan(generation, encoding),
      tokensPerFrame: 1,
      midstreamError: (framesWritten) => streaming.midstreamError(record.id, framesWritten, encoding),
    });
  }

  async function replay(call: Call, route: Route, body: JsonObject, name: string): Promise<void> {
    const { format } = route;
    const recording = await loadRecording(options.replayDir, name);
    if (!recording) return sendError(call, format.provider, 400, `no recording named ${name} to replay`);
    // A recording may keep no request body (only a stream's chunks); the path may name the model.
    const recordedModel = recording.request.body?.model;
    call.record.model = typeof body.model === 'string' ? body.model : typeof recordedModel === 'string' ? recordedModel : route.pathModel;

    const { status, content_type: contentType } = recording.response;
    const recorded = recordedBody(recording);
    const encoding = recordedEncoding(contentType, typeof recorded === 'string' ? recorded : '');
    if (!encoding) return sendWhole(call, status, contentType, () => recorded);
    call.record.stream = true;
    return sendFrames(call, {
      status,
      contentType,
      encoding,
      plan: { head: [], content: recordedFrames(recorded, encoding), tail: () => [] },
      tokensPerFrame: 0,
      midstreamError: (framesWritten) => format.streaming?.midstreamError(call.record.id, framesWritten, encoding) ?? '',
    });
  }
}
