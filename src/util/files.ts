import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../errors.js';

/**
 * Writes a file atomically: to a temporary name, then renamed into place, so a crash at any
 * moment leaves either the old file or the new one, never half of one.
 */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** writeAtomic of a value as indented JSON. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeAtomic(path, JSON.stringify(value, null, 2));
}

/** Reads a file holding a JSON object; anything else is an InputError naming the file. */
export function readJson(path: string): Record<string, unknown> {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (err) {
    // JSON.parse quotes the file around the error: keep the message on one line.
    throw new InputError(path, undefined, `not a valid JSON object (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 200)})`);
  }
}

/** The line of the first `needle` in `text` at or after `after` (e.g. a key inside a named block), for messages. */
export function lineOf(text: string, needle: string, after = ''): number | undefined {
  const start = Math.max(0, text.indexOf(after));
  const i = text.indexOf(needle, start);
  return i < 0 ? undefined : text.slice(0, i).split('\n').length;
}
