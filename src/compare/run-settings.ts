import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRAIN_DEFAULTS } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { writeAtomic } from '../util/files.js';
import { camelKeys, snakeKeys } from '../util/json-keys.js';
import type { GridRun } from './run.js';

/**
 * A grid run folder's settings: written once (train-config.json, which `ner train --config` reads)
 * and checked on every rerun, so a folder is only skipped or resumed for the settings asked for now.
 */

/** Settings that change what a run writes down, not what it trains: a grid may change them between runs. */
const RECORDING_ONLY = new Set(['logEvery', 'evalEvery', 'saveEvery']);

/**
 * A run folder left by an earlier `ner compare` must have been run with the settings asked for now:
 * skipping or resuming it otherwise would report numbers the config did not produce.
 */
export function checkSameSettings(dir: string, wanted: Record<string, unknown>): void {
  const file = join(dir, 'train-config.json');
  if (!existsSync(file)) return;
  const written = settingsIn(JSON.parse(readFileSync(file, 'utf8')));
  // Against the defaults: a setting written out now at the value the run had by default is the same
  // run. Folders written since every setting is written out (writeRunConfig) carry their own values;
  // in older ones a missing setting is the one the run resolved (its saved state says), or, for a
  // setting newer than the run, today's default (a new setting's default keeps the old behaviour).
  const shown = settingsDiffer({ ...resolvedConfig(dir), ...written }, wanted);
  if (shown === undefined) return;
  throw new UsageError(`${file}: this run was made with other settings (${shown}); use another --out, or delete ${dir} to run it again`);
}

/**
 * How the settings a run had differ from those wanted now (`key had → wanted, …`), undefined when
 * they are the same run: both taken against today's defaults, recording-only settings left out.
 */
export function settingsDiffer(had: Record<string, unknown>, wanted: Record<string, unknown>): string | undefined {
  const defaults: Record<string, unknown> = TRAIN_DEFAULTS;
  had = { ...defaults, ...had };
  wanted = { ...defaults, ...wanted };
  const keys = [...new Set([...Object.keys(had), ...Object.keys(wanted)])].filter((k) => !RECORDING_ONLY.has(k)).sort();
  const differ = keys.filter((k) => JSON.stringify(had[k]) !== JSON.stringify(wanted[k]));
  return differ.length ? differ.map((k) => `${k} ${JSON.stringify(had[k])} → ${JSON.stringify(wanted[k])}`).join(', ') : undefined;
}

/** The config `ner train` resolved for the run in `dir` (saved with its state), or {} without one. */
function resolvedConfig(dir: string): Record<string, unknown> {
  try {
    const { config } = JSON.parse(readFileSync(join(dir, 'state', 'trainer.json'), 'utf8')) as { config?: Record<string, unknown> };
    return settingsIn(config ?? {});
  } catch {
    return {};
  }
}

/** A saved config's settings in camelCase, without its folder (the folder is the run, not a setting). */
function settingsIn(saved: Record<string, unknown>): Record<string, unknown> {
  const { out: _out, ...settings } = camelKeys<Record<string, unknown>>(saved);
  return settings;
}

/** Writes the run's train-config.json (its settings, seed and folder), the file `ner train --config` reads and a rerun checks. */
export function writeRunConfig({ dir, settings, seed }: GridRun): string {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'train-config.json');
  // Every setting written out, defaults included: a later version with other defaults still sees what this run trained with.
  writeAtomic(configFile, JSON.stringify(snakeKeys({ ...TRAIN_DEFAULTS, ...settings, seed, out: dir }), null, 2));
  return configFile;
}

