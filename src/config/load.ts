import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../errors.js';
import { findOptimizer, OptimizerOptionError, resolveOptimizerOptions } from '../optim/registry.js';
import { lineOf } from '../util/files.js';
import { optimizerOptionsOf } from './optimizer.js';
import { flagOf, SCRATCH_SETTINGS, TRAIN_DEFAULTS, TRAIN_KEYS, TRAIN_SETTINGS, trainSettingProblem, type TrainConfig } from './schema.js';
import { camelKeys, snakeCase } from '../util/json-keys.js';
import { resolveConfigPaths } from './paths.js';

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
 * naming the key (and its line in the file); so are optimizer options the optimizer does not take,
 * before any corpus is read or checkpoint downloaded.
 */
export function resolveTrainConfig(file: string | undefined, flags: Partial<Record<string, unknown>>): TrainConfig {
  const read = file ? readConfigFile(file) : { values: {}, text: '' };
  // Keys may be written camelCase (headLr) or snake_case (head_lr, as ner writes its files).
  const camel = camelKeys<Record<string, unknown>>(read.values);
  const fromFile = { ...read, values: file ? resolveConfigPaths(camel, file) : camel };
  const sources: Record<string, boolean> = {};
  const fail = (key: string, detail: string): never => {
    const fromFlags = sources[key] ?? false;
    if (fromFlags || !file) throw new UsageError(`${fromFlags ? flagOf(key) : key}: ${detail}`);
    throw new InputError(file, lineOf(fromFile.text, `"${key}"`) ?? lineOf(fromFile.text, `"${snakeCase(key)}"`), `${key}: ${detail}`);
  };
  for (const key of Object.keys(fromFile.values)) {
    if (!(key in TRAIN_SETTINGS)) fail(key, trainSettingProblem(key, undefined)!);
  }
  const cfg = { ...TRAIN_DEFAULTS, scratch: { ...TRAIN_DEFAULTS.scratch } } as Record<string, unknown>;
  for (const [k, v] of Object.entries(fromFile.values)) {
    cfg[k] = k === 'scratch' && typeof v === 'object' && v !== null ? { ...TRAIN_DEFAULTS.scratch, ...(v as object) } : v;
    sources[k] = false;
  }
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    cfg[k] = v;
    sources[k] = true;
  }
  // Required settings first: an empty --train says it is required, not that a string is empty.
  for (const key of TRAIN_KEYS.filter((k) => TRAIN_SETTINGS[k].required)) {
    if (!cfg[key]) throw new UsageError(`${flagOf(key)} is required (or "${key}" in --config)`);
  }
  for (const key of TRAIN_KEYS) {
    const problem = trainSettingProblem(key, cfg[key]);
    if (problem) fail(key, `${problem} (got ${JSON.stringify(cfg[key])})`);
  }
  const scratch = cfg.scratch as Record<string, unknown>;
  for (const key of Object.keys(scratch)) {
    const setting = SCRATCH_SETTINGS[key as keyof typeof SCRATCH_SETTINGS];
    if (!setting) fail('scratch', `unknown key '${key}'; known: ${Object.keys(SCRATCH_SETTINGS).join(', ')}`);
    const problem = setting.type.check(scratch[key]);
    if (problem) fail('scratch', `${key}: ${problem}`);
  }
  const c = cfg as unknown as TrainConfig;
  if (c.clipNorm === 0) c.clipNorm = null;
  try {
    resolveOptimizerOptions(findOptimizer(c.optimizer)!, optimizerOptionsOf(c));
  } catch (err) {
    if (err instanceof OptimizerOptionError) fail('optimizerOptions', `${err.message} (optimizer ${c.optimizer})`);
    throw err;
  }
  // Slow weights exist only in a Lookahead (every one takes k): say so before the corpus is read.
  if (c.lookaheadSlowWeights !== 'start' && !findOptimizer(c.optimizer)!.keys.includes('k')) {
    fail('lookaheadSlowWeights', `'${c.lookaheadSlowWeights}' needs a Lookahead optimizer (lookahead-*, ranger), not ${c.optimizer}`);
  }
  return c;
}
