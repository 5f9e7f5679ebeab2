import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { SCRATCH_CHECKS, TRAIN_CHECKS, TRAIN_DEFAULTS, type ScratchConfig, type TrainConfig } from './schema.js';

/** Line of `"key"` in a JSON text, for messages that point into the config file. */
function lineOf(text: string, key: string): number | undefined {
  const i = text.indexOf(`"${key}"`);
  return i < 0 ? undefined : text.slice(0, i).split('\n').length;
}

/** Reads a JSON config file: an object, with line numbers for errors. */
export function readConfigFile(path: string): { values: Record<string, unknown>; text: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(path, undefined, 'cannot read the config file');
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new InputError(path, line, `not valid JSON: ${(err as Error).message}`);
  }
  if (typeof values !== 'object' || values === null || Array.isArray(values)) throw new InputError(path, 1, 'expected a JSON object of settings');
  return { values: values as Record<string, unknown>, text };
}

/**
 * Resolves a training config: defaults ← file ← flags. Unknown keys and bad values are errors
 * naming the key (and its line in the file).
 */
export function resolveTrainConfig(file: string | undefined, flags: Partial<Record<string, unknown>>): TrainConfig {
  const fromFile = file ? readConfigFile(file) : { values: {}, text: '' };
  const where = (key: string, fromFlags: boolean) => (fromFlags ? `--${kebab(key)}` : key);
  const fail = (key: string, fromFlags: boolean, detail: string): never => {
    if (fromFlags || !file) throw new UsageError(`${where(key, fromFlags)}: ${detail}`);
    throw new InputError(file, lineOf(fromFile.text, key), `${key}: ${detail}`);
  };
  const known = Object.keys(TRAIN_DEFAULTS);
  for (const key of Object.keys(fromFile.values)) {
    if (!known.includes(key)) fail(key, false, `unknown setting; known: ${known.join(', ')}`);
  }
  const cfg = { ...TRAIN_DEFAULTS, scratch: { ...TRAIN_DEFAULTS.scratch } } as Record<string, unknown>;
  const sources: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(fromFile.values)) {
    cfg[k] = k === 'scratch' && typeof v === 'object' && v !== null ? { ...TRAIN_DEFAULTS.scratch, ...(v as object) } : v;
    sources[k] = false;
  }
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    cfg[k] = v;
    sources[k] = true;
  }
  for (const key of known as (keyof TrainConfig)[]) {
    const problem = TRAIN_CHECKS[key](cfg[key]);
    if (problem) fail(key, sources[key] ?? false, `${problem} (got ${JSON.stringify(cfg[key])})`);
  }
  for (const required of ['train', 'out'] as const) {
    if (!cfg[required]) throw new UsageError(`--${required} is required (or "${required}" in --config)`);
  }
  const scratch = cfg.scratch as Record<string, unknown>;
  for (const key of Object.keys(scratch)) {
    if (!(key in SCRATCH_CHECKS)) fail('scratch', sources.scratch ?? false, `unknown key '${key}'; known: ${Object.keys(SCRATCH_CHECKS).join(', ')}`);
    const problem = SCRATCH_CHECKS[key as keyof ScratchConfig](scratch[key]);
    if (problem) fail('scratch', sources.scratch ?? false, `${key}: ${problem}`);
  }
  const c = cfg as unknown as TrainConfig;
  if (c.clipNorm === 0) c.clipNorm = null;
  return c;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
