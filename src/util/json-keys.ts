/**
 * Every JSON file `ner` writes uses snake_case keys (as Hugging Face's config.json and the eval
 * JSON do); in memory, settings and state are camelCase. These convert at the file boundary, and
 * reading converts back, so files written with camelCase keys by older versions still read.
 * Maps keyed by data (entity types, labels, log records) are copied as they are.
 */
const OPAQUE = new Set(['per_type', 'perType', 'id2label', 'label2id', 'history']);

export const snakeCase = (key: string): string => (/^[a-z][A-Za-z0-9]*$/.test(key) ? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : key);
export const camelCase = (key: string): string => (/^[a-z][a-z0-9_]*$/.test(key) ? key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()) : key);

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, rename));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), OPAQUE.has(k) ? v : mapKeys(v, rename)]));
}

/** A value with every key snake_case (what goes into a file). */
export function snakeKeys<T>(value: T): T {
  return mapKeys(value, snakeCase) as T;
}

/** A value read from a file with every key camelCase again (snake_case and camelCase files alike). */
export function camelKeys<T>(value: unknown): T {
  return mapKeys(value, camelCase) as T;
}
