// Reads a V8 .cpuprofile (from node --cpu-prof) into the figures the report needs: self time by
// code area, the top functions of one area by self and by inclusive time, and the time spent
// under each entry point into instrumentation code (the outermost such frame on the stack).

/** Where a frame's code lives. `areas`: [{ name, test(url, functionName) }], first match wins. */
function areaOf(frame, areas) {
  for (const area of areas) if (area.test(frame.url, frame.functionName)) return area.name;
  return 'other';
}

const frameKey = (frame) => `${frame.functionName || '(anonymous)'} ${frame.url}:${frame.lineNumber + 1}`;

/** Top-level code of a module: its evaluation, which happens once at start-up. */
const MODULE_EVALUATION = 'module evaluation (start-up)';
const entryKey = (frame) => (frame.functionName === '' && frame.lineNumber === 0 ? MODULE_EVALUATION : frameKey(frame));

/**
 * profile: the parsed .cpuprofile; areas: code areas to split self time by; focus: the area whose
 * functions are listed; entryAreas: the areas whose outermost frame on a stack counts as the entry
 * point of that sample (everything it called, any area, is charged to it).
 * Returns { totalMs, underFocusMs (samples with a focus frame anywhere on the stack), selfByArea: [{area, ms, share}], topSelf, topInclusive, byEntry (the top entry points), entryTotalMs (all of them) }.
 */
export function analyseCpuProfile(profile, { areas, focus, entryAreas = [focus], top = 15 }) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const selfMs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }

  let totalMs = 0;
  const byArea = new Map();
  const focusSelf = new Map();
  const focusInclusive = new Map();
  let underFocusMs = 0;
  const byEntry = new Map();
  for (const [id, ms] of selfMs) {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') continue; // the thread waited: not CPU
    totalMs += ms;
    const area = areaOf(frame, areas);
    byArea.set(area, (byArea.get(area) ?? 0) + ms);
    if (area === focus) focusSelf.set(frameKey(frame), (focusSelf.get(frameKey(frame)) ?? 0) + ms);
    // Inclusive: every distinct focus-area function on this node's stack gets the node's self time.
    const seen = new Set();
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const stackFrame = nodes.get(at).callFrame;
      if (areaOf(stackFrame, areas) !== focus) continue;
      const key = frameKey(stackFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      focusInclusive.set(key, (focusInclusive.get(key) ?? 0) + ms);
    }
    if (seen.size > 0) underFocusMs += ms;
    let entry;
    for (let at = id; at !== undefined; at = parentOf.get(at)) {
      const stackFrame = nodes.get(at).callFrame;
      if (entryAreas.includes(areaOf(stackFrame, areas))) entry = entryKey(stackFrame);
    }
    if (entry !== undefined) byEntry.set(entry, (byEntry.get(entry) ?? 0) + ms);
  }
  const ranked = (map) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, ms]) => ({ frame, ms, share: ms / totalMs }));
  return {
    totalMs,
    underFocusMs,
    selfByArea: [...byArea.entries()].sort((a, b) => b[1] - a[1]).map(([area, ms]) => ({ area, ms, share: ms / totalMs })),
    topSelf: ranked(focusSelf),
    topInclusive: ranked(focusInclusive),
    byEntry: ranked(byEntry),
    entryTotalMs: [...byEntry.values()].reduce((total, ms) => total + ms, 0),
  };
}
