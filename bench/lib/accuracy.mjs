// Time-to-first-token accuracy: each tool's reported value against what the service itself saw.
//
// For a call, truth = (client's first-content receive time) − (the tool's own span start), both epoch
// ms on the performance clock; error = |reported − truth|. The receive time is when the first content
// bytes reached the service process (the bench's own observer, in every row alike); the error is also
// computed against when the application read that content from the SDK (app read), which adds the
// SDK's own pipeline and the event loop's queueing. The simulator's first-content write time is kept
// for reference: receive − write is what transport and queueing add.

/**
 * records: the service's streaming-call records; spans: the sink's span summaries; simCalls: the
 * simulator's records; ttftKey: the tool's attribute (seconds) or null.
 * Returns { reported, matchedSpans, errorsMs, signedErrorsMs (reported − truth: negative means the tool
 * stamped the first token before the bytes were seen to arrive), readErrorsMs (against the app read),
 * simToClientMs }; the error lists are null when the tool reports none.
 */
export function ttftAccuracy({ records, spans, simCalls, ttftKey }) {
  const spansByResponseId = new Map();
  for (const span of spans) {
    // A tool may write several spans per call (an undici span beside the model span): prefer the one with the TTFT.
    const known = spansByResponseId.get(span.responseId);
    if (!known || (ttftKey && span.firstTokenTimes[ttftKey] !== undefined)) spansByResponseId.set(span.responseId, span);
  }
  const simWrites = new Map(simCalls.map((call) => [call.id, call.firstContentWrittenAt]));

  const errorsMs = [];
  const signedErrorsMs = [];
  const readErrorsMs = [];
  const simToClientMs = [];
  let matchedSpans = 0;
  for (const record of records) {
    if (record.firstContentAt === null) continue;
    const written = simWrites.get(record.simRequestId);
    if (typeof written === 'number') simToClientMs.push(record.firstContentAt - written);
    const span = spansByResponseId.get(record.responseId);
    if (!span) continue;
    matchedSpans++;
    const reportedSeconds = ttftKey ? span.firstTokenTimes[ttftKey] : undefined;
    if (typeof reportedSeconds !== 'number') continue;
    readErrorsMs.push(Math.abs(reportedSeconds * 1000 - (record.firstContentAt - span.startMs)));
    if (record.firstContentArrivedAt === null) continue;
    const truthMs = record.firstContentArrivedAt - span.startMs;
    signedErrorsMs.push(reportedSeconds * 1000 - truthMs);
    errorsMs.push(Math.abs(reportedSeconds * 1000 - truthMs));
  }
  return {
    reported: ttftKey !== null && errorsMs.length > 0,
    matchedSpans,
    errorsMs: ttftKey ? errorsMs : null,
    signedErrorsMs: ttftKey ? signedErrorsMs : null,
    readErrorsMs: ttftKey ? readErrorsMs : null,
    simToClientMs,
  };
}
