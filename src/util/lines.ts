import { createReadStream } from 'node:fs';
import { InputError } from '../errors.js';

export interface Line {
  text: string;
  /** 1-based. */
  number: number;
}

/**
 * Streams a UTF-8 text file without holding it in memory, one batch of lines per read chunk
 * (one await per line would cost more than the parsing).
 * A leading BOM is dropped, CRLF is accepted, and invalid UTF-8 or a bare CR inside a line
 * is reported as `file:line` instead of being silently mangled.
 */
export async function* readLines(path: string): AsyncGenerator<Line[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let pending = '';
  let number = 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) {
      let text: string;
      try {
        text = decoder.decode(chunk as Buffer, { stream: true });
      } catch {
        const bytes = chunk as Buffer;
        const lineInChunk = countNewlines(bytes, firstInvalidByte(bytes));
        throw new InputError(path, number + 1 + lineInChunk, 'not valid UTF-8 text; re-encode the file as UTF-8');
      }
      pending += text;
      const batch: Line[] = [];
      let start = 0;
      for (let nl = pending.indexOf('\n', start); nl >= 0; nl = pending.indexOf('\n', start)) {
        number += 1;
        batch.push({ text: checkLine(path, pending.slice(start, nl), number), number });
        start = nl + 1;
      }
      pending = pending.slice(start);
      if (batch.length > 0) yield batch;
    }
    try {
      pending += decoder.decode();
    } catch {
      throw new InputError(path, number + 1, 'not valid UTF-8 text (the file ends inside a character)');
    }
  } catch (err) {
    throw asInputError(path, err);
  } finally {
    stream.destroy();
  }
  if (pending.length > 0) yield [{ text: checkLine(path, pending, number + 1), number: number + 1 }];
}

/** Splits an in-memory text the same way `readLines` splits a file. */
export function* splitLines(text: string, path: string): Generator<Line> {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (let i = 0; i < parts.length; i++) yield { text: checkLine(path, parts[i]!, i + 1), number: i + 1 };
}

/** Offset of the first byte a fresh UTF-8 decoder rejects (bisection; only on the error path). */
function firstInvalidByte(bytes: Uint8Array): number {
  let from = 0;
  // A sequence begun in the previous chunk ends in this one's first continuation bytes.
  while (from < 3 && from < bytes.length && (bytes[from]! & 0xc0) === 0x80) from++;
  const valid = (end: number) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(from, end), { stream: true });
      return true;
    } catch {
      return false;
    }
  };
  let lo = from;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (valid(mid + 1)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) n++;
  return n;
}

function checkLine(path: string, text: string, number: number): string {
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (text.includes('\r')) {
    throw new InputError(path, number, 'carriage return (CR) inside a line; convert the file to LF or CRLF line endings');
  }
  return text;
}

/** Turns file-system errors into messages that say what to do. */
export function asInputError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new InputError(path, undefined, 'no such file');
  if (code === 'EISDIR') return new InputError(path, undefined, 'is a directory, expected a file');
  if (code === 'EACCES') return new InputError(path, undefined, 'permission denied');
  return err;
}
