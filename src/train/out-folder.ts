import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { removeStep, writeDurable } from '../util/files.js';
import { fsProblem } from '../util/fs-errors.js';

/**
 * The output folder of a run, checked before any work: never somebody else's folder (a Hugging
 * Face model folder would get its config.json overwritten), always writable (found out now, not
 * after an hour of training), and removed again when a run that created it fails before saving.
 */

/** What `ner train` (and `ner compare` around it) put in a run folder. */
// (config.json and the tokenizer files only ever come after model.safetensors, so alone they are somebody else's.)
const RUN_FILES = new Set(['state', 'state.old', 'train_log.jsonl', 'train-config.json', 'train.log', 'failed.json', 'result.json', 'metrics.json', 'model.safetensors', '.ner-lock']);
const TEMP = /\.(tmp|stale)-\d+$/;
/** A run whose checkpoint or model exists: only --resume may continue it. */
const SAVED = ['state', 'state.old', 'model.safetensors'];

export interface OutFolder {
  /** The folders this run created (deepest first), removed by `discardIfEmpty`. */
  created: string[];
}

/** Makes `dir` and its missing parents one level at a time (a recursive mkdir spins forever under /proc). */
function makeDirs(dir: string, created: string[]): void {
  const missing: string[] = [];
  let d = resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = dirname(d);
    if (up === d) break;
    d = up;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new UsageError(`--out ${dir}: ${d} is a file, not a folder`);
  for (const m of missing.reverse()) {
    try {
      mkdirSync(m);
    } catch (err) {
      throw new UsageError(`--out ${dir}: cannot create ${m} (${fsProblem(err)}); choose a folder you can write to`);
    }
    created.unshift(m);
  }
}

/** Creates the output folder (and parents) and proves it writable, before any work. */
export function prepareOut(dir: string): OutFolder {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} is a file; choose a folder`);
  const out: OutFolder = { created: [] };
  makeDirs(dir, out.created);
  const probe = join(dir, `.write-test.tmp-${process.pid}`);
  try {
    rmSync(probe, { force: true });
    writeDurable(probe, '');
    removeStep(probe);
  } catch (err) {
    discardIfEmpty(out);
    throw new UsageError(`--out ${dir} is not writable (${fsProblem(err)}); choose a folder you can write to`);
  }
  return out;
}

/**
 * A fresh run (no --resume) needs a new or empty folder, or one holding only what an earlier
 * attempt left before its first checkpoint. Checked before anything is written there.
 */
export function checkForeign(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  const entries = readdirSync(dir);
  if (isNerRun(dir, entries)) return; // the lock, then checkFreshOut, decide
  const foreign = entries.filter((f) => !RUN_FILES.has(f) && !TEMP.test(f));
  if (foreign.length > 0) {
    const shown = entries.slice(0, 6).join(', ') + (entries.length > 6 ? `, … (${entries.length} entries)` : '');
    throw new UsageError(`--out ${dir} is not empty and is not an ner run (it holds ${shown}); nothing was changed: choose a new or empty folder`);
  }
}

/** A folder `ner train` wrote: its state, its log, or a model whose config.json has an `ner` section. */
function isNerRun(dir: string, entries: string[]): boolean {
  if (entries.some((f) => ['state', 'state.old', 'train_log.jsonl'].includes(f))) return true;
  if (!entries.includes('config.json')) return false;
  try {
    return Boolean((JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { ner?: unknown }).ner);
  } catch {
    return false;
  }
}

/** Under the folder's lock: a fresh run never replaces a run that has saved something. */
export function checkFreshOut(dir: string): void {
  if (readdirSync(dir).some((f) => SAVED.includes(f))) {
    throw new UsageError(`${dir} already holds a training run; pass --resume to continue it, or choose another --out`);
  }
}

/** Removes the folders this run created when they are still empty (a failed run leaves no empty --out). */
export function discardIfEmpty(out: OutFolder): void {
  for (const d of out.created) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/** Creates a folder and its parents for a command's --out, with a clear error where that is impossible. */
export function makeFolder(dir: string): void {
  makeDirs(dir, []);
}
