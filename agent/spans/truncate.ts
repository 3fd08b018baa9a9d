/** Captured message content is cut to a configured length; the cut is marked so nobody mistakes it for the whole. */
export function truncate(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength)}…[truncated ${text.length - maxLength} chars]`;
}
