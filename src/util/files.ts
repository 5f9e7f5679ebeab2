import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { InputError } from '../errors.js';

/**
 * Every file-system change a run makes goes through this file, so the crash harness can kill the
 * process at any one of them. NER_TEST_CRASH_AT_FS_CALL=N sends SIGKILL to this process just
 * before its Nth change; `N@text` before the Nth change whose label (`rename state.tmp-12 state`)
 * contains `text`. NER_TEST_TRACE_FS=1 prints every label to stderr, NER_TEST_COUNT_FS_CALLS=1
 * their number at exit.
 */
let fsCalls = 0;
let matches = 0;
const [crashAt, crashText] = (() => {
  const v = process.env.NER_TEST_CRASH_AT_FS_CALL ?? '';
  const at = v.indexOf('@');
  return at < 0 ? [Number(v || 0), undefined] : [Number(v.slice(0, at)), v.slice(at + 1)];
})();
const trace = Boolean(process.env.NER_TEST_TRACE_FS);
if (process.env.NER_TEST_COUNT_FS_CALLS) process.on('exit', () => process.stderr.write(`ner: fs calls: ${fsCalls}\n`));

/** Marks one file-system change about to happen (and, under the crash harness, maybe dies here). */
export function fsStep(label: string): void {
  fsCalls += 1;
  if (trace) process.stderr.write(`ner: fs ${fsCalls} ${label}\n`);
  if (crashAt > 0 && (crashText === undefined ? fsCalls === crashAt : label.includes(crashText) && ++matches === crashAt)) process.kill(process.pid, 'SIGKILL');
}

/** Writes a new file (never through an existing name or symlink: O_EXCL) and flushes it to disk. */
export function writeDurable(path: string, data: string | Uint8Array): void {
  fsStep(`write ${basename(path)}`);
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function renameStep(from: string, to: string): void {
  fsStep(`rename ${basename(from)} ${basename(to)}`);
  renameSync(from, to);
}

export function removeStep(path: string): void {
  fsStep(`remove ${basename(path)}`);
  rmSync(path, { recursive: true, force: true });
}

export function mkdirStep(path: string): void {
  fsStep(`mkdir ${basename(path)}`);
  mkdirSync(path);
}

/**
 * Writes a file atomically: to a temporary name, then renamed into place, so a crash at any
 * moment leaves either the old file or the new one, never half of one. The rename replaces a
 * symlink at `path` instead of writing through it.
 */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  writeDurable(tmp, data);
  renameStep(tmp, path);
}

/** Appends one line to a log; refuses to follow a symlink (O_NOFOLLOW). */
export function appendLine(path: string, line: string): void {
  fsStep(`append ${basename(path)}`);
  const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  try {
    writeSync(fd, line + '\n');
  } finally {
    closeSync(fd);
  }
}

/** Cuts a torn last line (a kill in the middle of an append) off a JSON-lines log; returns whether it did. */
export function repairLog(path: string): boolean {
  let text: Buffer;
  try {
    if (lstatSync(path).isSymbolicLink()) return false;
    text = readFileSync(path);
  } catch {
    return false;
  }
  if (text.length === 0 || text[text.length - 1] === 0x0a) return false;
  fsStep(`truncate ${basename(path)}`);
  truncateSync(path, text.lastIndexOf(0x0a) + 1);
  return true;
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
