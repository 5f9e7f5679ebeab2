import { readConfigFile } from '../config/load.js';
import { TRAIN_CHECKS, TRAIN_DEFAULTS, type TrainConfig } from '../config/schema.js';
import { InputError, UsageError } from '../errors.js';

/**
 * A comparison: shared training settings (`base`), a list of setups that override some of them
 * (optimizer, rates, Lookahead k/α, ablations), and seeds; every setup runs with every seed.
 */
export interface Setup {
  name: string;
  /** One sentence on what the setup tests, shown in the report. */
  description?: string;
  /** Overrides of training settings (optimizer, lr, headLr, optimizerOptions, lookaheadSlowWeights, …). */
  settings: Partial<TrainConfig>;
}

export interface CompareConfig {
  base: Partial<TrainConfig>;
  seeds: number[];
  setups: Setup[];
  /** Runs at once (each a `ner train` process); default: 2. */
  parallel: number;
}

const FORBIDDEN = ['out', 'seed'];

export function loadCompareConfig(path: string): CompareConfig {
  const { values, text } = readConfigFile(path);
  const lineOf = (needle: string) => {
    const i = text.indexOf(needle);
    return i < 0 ? undefined : text.slice(0, i).split('\n').length;
  };
  const fail = (needle: string, detail: string): never => {
    throw new InputError(path, lineOf(needle), detail);
  };
  for (const key of Object.keys(values)) {
    if (!['base', 'seeds', 'setups', 'parallel', 'description'].includes(key)) fail(`"${key}"`, `unknown key '${key}'; expected base, seeds, setups, parallel`);
  }
  const checkSettings = (obj: unknown, where: string): Partial<TrainConfig> => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(`"${where}"`, `${where} must be an object of training settings`);
    for (const [k, v] of Object.entries(obj as object)) {
      if (FORBIDDEN.includes(k)) fail(`"${k}"`, `${where}.${k}: set by ner compare (runs go to DIR/runs/<setup>/seed-<n>)`);
      if (!(k in TRAIN_DEFAULTS)) fail(`"${k}"`, `${where}.${k}: unknown training setting; known: ${Object.keys(TRAIN_DEFAULTS).join(', ')}`);
      const problem = TRAIN_CHECKS[k as keyof TrainConfig](v);
      if (problem) fail(`"${k}"`, `${where}.${k}: ${problem} (got ${JSON.stringify(v)})`);
    }
    return obj as Partial<TrainConfig>;
  };
  const base = checkSettings(values.base ?? {}, 'base');
  const seeds = values.seeds ?? [1];
  if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0)) fail('"seeds"', 'seeds must be a non-empty list of whole numbers');
  if (!Array.isArray(values.setups) || values.setups.length === 0) fail('"setups"', 'setups must be a non-empty list');
  const names = new Set<string>();
  const setups = (values.setups as Record<string, unknown>[]).map((raw, i) => {
    const { name, description, ...settings } = raw ?? {};
    if (typeof name !== 'string' || !/^[\w.-]+$/.test(name)) fail(`"setups"`, `setups[${i}].name must be a name of letters, digits, '.', '_' or '-'`);
    if (names.has(name as string)) fail(`"${name}"`, `setup name '${name}' is used twice`);
    names.add(name as string);
    return { name: name as string, ...(typeof description === 'string' ? { description } : {}), settings: checkSettings(settings, `setups[${i}] (${name})`) };
  });
  const parallel = values.parallel ?? 2;
  if (!Number.isInteger(parallel) || (parallel as number) < 1) fail('"parallel"', 'parallel must be a whole number ≥ 1');
  return { base, seeds: seeds as number[], setups, parallel: parallel as number };
}

/** The training settings a setup runs with: the shared base overridden by the setup's own. */
export function setupSettings(cfg: CompareConfig, setup: Setup): Partial<TrainConfig> {
  return { ...cfg.base, ...setup.settings };
}

/** The config restricted to the named setups (in the config's order), for running part of a long grid. */
export function selectSetups(cfg: CompareConfig, names: string[]): CompareConfig {
  const known = cfg.setups.map((s) => s.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new UsageError(`--setups: no setup named ${unknown.join(', ')} in the config; its setups are ${known.join(', ')}`);
  return { ...cfg, setups: cfg.setups.filter((s) => names.includes(s.name)) };
}

/** Parses a `--seeds 1,2,3` list (or, with `single`, a `--parallel 2` value): whole numbers of at least `min`. */
export function parseWholeNumbers(flag: string, value: string, min: number, single = false): number[] {
  const parts = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || (single && parts.length > 1) || !parts.every((p) => /^\d+$/.test(p) && Number(p) >= min)) {
    throw new UsageError(`${flag}: expected ${single ? 'a whole number' : 'whole numbers, comma-separated (e.g. 1,2,3),'} ≥ ${min}; got '${value}'`);
  }
  return parts.map(Number);
}
