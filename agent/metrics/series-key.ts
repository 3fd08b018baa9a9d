// The identity of a label set, independent of the order its keys were written in: the cardinality
// guard counts these, the exemplar reservoir files by them, and the serializer finds exemplars by
// recomputing them from the SDK's data-point attributes.
import type { Attributes } from '@opentelemetry/api';

export function seriesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  let key = '';
  // Values are length-prefixed: a model name is the client's text and may hold any character.
  for (const name of keys) {
    const value = String(attributes[name]);
    key += `${name}\u0000${value.length}:${value}`;
  }
  return key;
}
