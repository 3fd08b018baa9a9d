// Finds the metric names a PromQL expression selects, so the stack tests can check every name in
// the rules and dashboards against what the agent exposes. A small lexical pass, not a parser: it
// removes everything that can hold a word but not a metric name, then keeps the words that are
// not followed by "(" (functions, aggregations) and are not operators or keywords.

const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'atan2', 'group_left', 'group_right']);

export function metricNamesIn(expr: string): Set<string> {
  const stripped = expr
    // Grafana variables ($x, ${x}, ${x:fmt}, $__rate_interval) and provisioning's "$$": a number.
    .replace(/\$\{[^}]*\}|\$\$?[A-Za-z_][A-Za-z0-9_]*/g, '1')
    // String literals (label values, regexes).
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    // Label matchers, then ranges and subqueries.
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    // Label lists of aggregations and vector matching.
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\b(by|without)\b/g, ' ');

  const names = new Set<string>();
  // A word may not start inside a number or a duration (1e-9, 1w).
  for (const match of stripped.matchAll(/(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const rest = stripped.slice(match.index + word.length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return names;
}

/** The selector inside a Grafana `label_values(selector, label)` variable query, or the query itself. */
export function selectorOfVariableQuery(query: string): string {
  const match = /^\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/s.exec(query);
  return match ? match[1] : query;
}
