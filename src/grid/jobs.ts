import { createHash } from 'node:crypto';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import type { BackendChoice } from '../backend.js';
import { FORBIDDEN, SETUP_NAME } from '../compare/config.js';
import type { GridRun } from '../compare/run.js';
import { resolveTrainConfig } from '../config/load.js';
import { trainSettingProblem, type TrainConfig } from '../config/schema.js';
import { NerError, UsageError } from '../errors.js';

/** The BullMQ queue every grid uses (`ner:grid:*` keys); jobs of different grids differ by id. */
export const QUEUE_NAME = 'grid';
export const QUEUE_PREFIX = 'ner';

/** A job's data: one run's settings, portable (paths relative to a data root), and nothing else. */
export interface JobPayload {
  v: 1;
  /** Hash of the setup's name and portable settings: equal settings, equal job ids. */
  grid: string;
  setup: string;
  seed: number;
  settings: Record<string, unknown>;
}

const PAYLOAD_KEYS = ['v', 'grid', 'setup', 'seed', 'settings'];
const DATA_KEYS = ['train', 'dev', 'test'] as const;
const MAX_PAYLOAD_BYTES = 64 << 10;
/** A hub id: `name` or `org/name`, no path syntax. */
const HUB_ID = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;

/** A job a worker will not run: it is failed at once, never retried. */
export class JobRefused extends NerError {
  constructor(id: string, detail: string) {
    super(`job ${id} refused: ${detail}`, 2);
  }
}

/** sha256 of JSON with sorted keys: the same settings hash the same whichever order they were written in. */
function canonicalHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : typeof v === 'object' && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 16);
}

/** `<hash>.<setup>.seed-<n>`: re-enqueueing the same run finds the same job (BullMQ ids may not contain ':' or be integers). */
export function jobId(grid: string, setup: string, seed: number): string {
  return `${grid}.${setup}.seed-${seed}`;
}

/**
 * Submit side: the job of one run. Data paths (train, dev, test, and model when it is a folder)
 * are made relative to `dataRoot`; a path outside it is an error here, before anything is queued,
 * since no worker could read it.
 */
export function jobOf(run: GridRun, dataRoot: string): { id: string; payload: JobPayload } {
  const root = resolve(dataRoot);
  const settings: Record<string, unknown> = { ...run.settings };
  const portable = (key: string, path: string): string => {
    const rel = relative(root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new UsageError(`setup ${run.setup.name}: ${key} ${path} is not inside --data-root ${root}; workers read data relative to their own --data-root, so put the corpora (and model folders) under one folder and pass it`);
    }
    return rel.split(sep).join('/');
  };
  for (const key of DATA_KEYS) if (typeof settings[key] === 'string' && settings[key] !== '') settings[key] = portable(key, settings[key] as string);
  // The compare config resolved a model folder to an absolute path; hub ids and "scratch" stay as they are.
  if (typeof settings.model === 'string' && isAbsolute(settings.model)) settings.model = `./${portable('model', settings.model)}`;
  return jobFor(run.setup.name, run.seed, settings);
}

/** The job of settings already portable: its payload and its id (from their hash, the setup and the seed). */
export function jobFor(setup: string, seed: number, settings: Record<string, unknown>): { id: string; payload: JobPayload } {
  const grid = canonicalHash({ setup, settings });
  return { id: jobId(grid, setup, seed), payload: { v: 1, grid, setup, seed, settings } };
}

/** Where a worker runs jobs and reads their data. */
export interface WorkerPlaces {
  /** Run folders go to <workdir>/runs/<grid>/<setup>/seed-<n>; nothing is written elsewhere. */
  workdir: string;
  /** Data paths in jobs are relative to this folder and may not leave it. */
  dataRoot: string;
  /** The worker's --backend, replacing the job's. */
  backend?: BackendChoice;
}

/**
 * Worker side: a job's data checked as strictly as `ner train --config` checks a file (known keys,
 * types, bounds, optimizer options), its paths confined to the data root, its folder under the
 * workdir. Anything else is refused (JobRefused) before a file is touched.
 */
export function runOfJob(id: string, data: unknown, places: WorkerPlaces): GridRun {
  const refuse = (detail: string): never => {
    throw new JobRefused(id, detail);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return refuse('its data is not an object');
  if (JSON.stringify(data).length > MAX_PAYLOAD_BYTES) refuse(`its data is over ${MAX_PAYLOAD_BYTES} bytes`);
  const unknown = Object.keys(data).filter((k) => !PAYLOAD_KEYS.includes(k));
  if (unknown.length) refuse(`unknown key '${unknown[0]}'; a job holds only ${PAYLOAD_KEYS.join(', ')}`);
  const { v, grid, setup, seed, settings } = data as Record<string, unknown>;
  if (v !== 1) refuse(`version ${JSON.stringify(v)}; this worker reads version 1 (update ner on the workers and the submitting machine alike)`);
  if (typeof setup !== 'string' || !SETUP_NAME.test(setup)) refuse('setup must be a folder-safe name');
  const seedProblem = trainSettingProblem('seed', seed);
  if (seedProblem) refuse(`seed: ${seedProblem}`);
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return refuse('settings must be an object of training settings');
  for (const [k, value] of Object.entries(settings)) {
    if (FORBIDDEN.includes(k)) refuse(`settings.${k}: set by the worker, not by a job`);
    const problem = trainSettingProblem(k, value);
    if (problem) refuse(`settings.${k}: ${problem}`);
  }
  if (grid !== canonicalHash({ setup, settings }) || id !== jobId(grid as string, setup as string, seed as number)) refuse('its id does not match its settings (a job is named by the hash of what it runs)');
  const s: Record<string, unknown> = { ...settings };
  const root = resolve(places.dataRoot);
  for (const key of DATA_KEYS) {
    if (typeof s[key] === 'string' && s[key] !== '') s[key] = confined(root, s[key] as string, `settings.${key}`, refuse);
  }
  if (typeof s.model === 'string' && s.model !== 'scratch') {
    if (s.model.startsWith('./')) s.model = confined(root, s.model, 'settings.model', refuse);
    else if (!HUB_ID.test(s.model) || s.model.includes('..')) refuse(`settings.model: '${s.model}' is neither "scratch", a hub id (name or org/name) nor a folder under the data root ("./path")`);
  }
  if (places.backend) s.backend = places.backend;
  const dir = join(resolve(places.workdir), 'runs', grid as string, setup as string, `seed-${seed as number}`);
  try {
    // The very check `ner train --config` makes: defaults, bounds, scratch keys, optimizer options.
    resolveTrainConfig(undefined, { ...s, seed, out: dir });
  } catch (err) {
    if (err instanceof NerError) refuse(err.message.replace(/^--([a-z-]+)/, (_, f: string) => `settings.${f.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase())}`));
    throw err;
  }
  return { setup: { name: setup as string, settings: {} }, seed: seed as number, dir, settings: s as Partial<TrainConfig> };
}

/** A data path of a job inside `root`: relative (or absolute but inside), no '..' anywhere. */
function confined(root: string, path: string, key: string, refuse: (d: string) => never): string {
  if (path.includes('\0')) refuse(`${key}: a NUL byte in a path`);
  if (path.split(/[\\/]+/).includes('..')) refuse(`${key}: '${path}' contains '..'; paths in a job stay inside the worker's --data-root`);
  const full = isAbsolute(path) || /^[A-Za-z]:/.test(path) ? normalize(path) : resolve(root, path);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) refuse(`${key}: '${path}' is outside the worker's --data-root ${root}`);
  return full;
}
