import { readConfigFile } from '../config/load.js';
import { resolveConfigPaths } from '../config/paths.js';
import { TRAIN_DEFAULTS, TRAIN_KEYS, trainSettingProblem, type TrainConfig } from '../config/schema.js';
import { lineOf } from '../util/files.js';
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
  /** This setup's own seeds (more where one seed leaves a comparison open); default: the grid's. */
  seeds?: number[];
  /** What another implementation measured for this setup, to compare row by row in the report. */
  reference?: Reference;
}

/** A reference figure for one setup (e.g. a row of a published or PyTorch baseline). */
export interface Reference {
  f1: number;
  drift?: number;
  /** Why ours may differ, from what was measured (shown in the report when the figures disagree). */
  note?: string;
}

export interface CompareConfig {
  base: Partial<TrainConfig>;
  seeds: number[];
  setups: Setup[];
  /** Runs at once (each a `ner train` process); default: 2. */
  parallel: number;
  /** Where the setups' reference figures come from (e.g. "../shared/reference/baselines.md, seed 1"). */
  referenceSource?: string;
}

/** Set by ner compare itself (runs go to DIR/runs/<setup>/seed-<n>), never by a config or a queued job. */
export const FORBIDDEN = ['out', 'seed'];

/** A setup name becomes a folder (runs/<name>/): no '..', no leading dot, nothing a file system reads specially. */
export const SETUP_NAME = /^\w[\w.-]{0,99}$/;

export function loadCompareConfig(path: string): CompareConfig {
  const { values, text } = readConfigFile(path);
  const fail = (needle: string, detail: string, after?: string): never => {
    throw new InputError(path, lineOf(text, needle, after), detail);
  };
  for (const key of Object.keys(values)) {
    if (!['base', 'seeds', 'setups', 'parallel', 'description', 'referenceSource'].includes(key)) fail(`"${key}"`, `unknown key '${key}'; expected base, seeds, setups, parallel, description, referenceSource`);
  }
  if (values.referenceSource !== undefined && typeof values.referenceSource !== 'string') fail('"referenceSource"', 'referenceSource must be a string naming where the reference figures come from');
  const checkSettings = (obj: unknown, where: string): Partial<TrainConfig> => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail(`"${where}"`, `${where} must be an object of training settings`);
    for (const [k, v] of Object.entries(obj as object)) {
      if (FORBIDDEN.includes(k)) fail(`"${k}"`, `${where}.${k}: set by ner compare (runs go to DIR/runs/<setup>/seed-<n>)`);
      if (!(k in TRAIN_DEFAULTS)) fail(`"${k}"`, `${where}.${k}: unknown training setting; known: ${TRAIN_KEYS.join(', ')}`);
      const problem = trainSettingProblem(k, v);
      if (problem) fail(`"${k}"`, `${where}.${k}: ${problem} (got ${JSON.stringify(v)})`);
    }
    // Paths are relative to this file's folder, as in a training config; the runs get them absolute.
    return resolveConfigPaths(obj as Record<string, unknown>, path) as Partial<TrainConfig>;
  };
  const base = checkSettings(values.base ?? {}, 'base');
  const checkSeeds = (seeds: unknown, where: string, after?: string): number[] => {
    if (!Array.isArray(seeds) || seeds.length === 0 || !seeds.every((s) => Number.isInteger(s) && s >= 0)) fail('"seeds"', `${where} must be a non-empty list of whole numbers`, after);
    return [...new Set(seeds as number[])];
  };
  const seeds = checkSeeds(values.seeds ?? [1], 'seeds');
  if (!Array.isArray(values.setups) || values.setups.length === 0) fail('"setups"', 'setups must be a non-empty list');
  const names = new Set<string>();
  const setups = (values.setups as Record<string, unknown>[]).map((raw, i) => {
    const { name, description, seeds: ownSeeds, reference, ...settings } = raw ?? {};
    if (typeof name !== 'string' || !SETUP_NAME.test(name)) fail(`"setups"`, `setups[${i}].name must be a folder-safe name: a letter, digit or '_' first, then letters, digits, '.', '_' or '-' (at most 100)`);
    if (names.has(name as string)) fail(`"${name}"`, `setup name '${name}' is used twice`);
    names.add(name as string);
    const where = `setups[${i}] (${name})`;
    const checkedReference = (r: unknown): Reference => {
      const problem = referenceProblem(r);
      return problem ? fail('"reference"', `${where}.reference: ${problem}`, `"${name}"`) : (r as Reference);
    };
    return {
      name: name as string,
      ...(typeof description === 'string' ? { description } : {}),
      settings: checkSettings(settings, where),
      ...(ownSeeds === undefined ? {} : { seeds: checkSeeds(ownSeeds, `${where}.seeds`, `"${name}"`) }),
      ...(reference === undefined ? {} : { reference: checkedReference(reference) }),
    };
  });
  const parallel = values.parallel ?? 2;
  if (!Number.isInteger(parallel) || (parallel as number) < 1) fail('"parallel"', 'parallel must be a whole number ≥ 1');
  return { base, seeds, setups, parallel: parallel as number, ...(values.referenceSource === undefined ? {} : { referenceSource: values.referenceSource as string }) };
}

/** A setup's `reference`, or the problem with it. */
function referenceProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'must be an object {"f1", "drift", "note"}';
  const { f1, drift, note, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `unknown key '${unknown[0]}'; expected f1, drift, note`;
  if (typeof f1 !== 'number' || !(f1 >= 0 && f1 <= 1)) return `f1 must be a fraction between 0 and 1 (got ${JSON.stringify(f1)})`;
  if (drift !== undefined && (typeof drift !== 'number' || !(drift >= 0))) return `drift must be a number ≥ 0 (got ${JSON.stringify(drift)})`;
  if (note !== undefined && typeof note !== 'string') return 'note must be a string';
  return undefined;
}

/** The seeds a setup runs with: its own, else the grid's. */
export function seedsOf(cfg: CompareConfig, setup: Setup): number[] {
  return setup.seeds ?? cfg.seeds;
}

/** `--seeds` on the command line: these seeds for every setup, replacing the config's (its own included). */
export function withSeeds(cfg: CompareConfig, seeds: number[]): CompareConfig {
  return { ...cfg, seeds, setups: cfg.setups.map(({ seeds: _own, ...setup }) => setup) };
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
