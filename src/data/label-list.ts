import { parseLabel } from './labels.js';

/** The most labels a model may have (20,000 aborted Node; real tag sets have tens). */
export const MAX_LABELS = 1000;

const show = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/** Checks an id2label-style list of labels: 1..MAX_LABELS distinct valid labels. Returns a message or undefined. */
export function labelListProblem(labels: unknown): string | undefined {
  if (!Array.isArray(labels) || labels.length === 0 || labels.length > MAX_LABELS) {
    return `must be a list of 1 to ${MAX_LABELS} labels (got ${Array.isArray(labels) ? `${labels.length} entries` : show(labels)})`;
  }
  const seen = new Set<string>();
  for (const l of labels) {
    if (typeof l !== 'string') return `holds ${show(l)}, not a label`;
    const parsed = parseLabel(l);
    if (typeof parsed === 'string') return parsed;
    if (seen.has(l)) return `lists '${l}' twice`;
    seen.add(l);
  }
  return undefined;
}

