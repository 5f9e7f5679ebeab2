import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from '../util/files.js';
import { camelKeys } from '../util/json-keys.js';
import { setupSettings, type CompareConfig } from './config.js';
import { planGrid, type GridRun } from './run.js';
import { settingsDiffer, writeRunConfig } from './run-settings.js';

/** Settings naming a file or folder: compared by name, since a kept results.json was written on another machine. */
const PATH_KEYS = ['model', 'train', 'dev', 'test'];

/**
 * Brings a grid's finished runs back from a results.json kept elsewhere (a copy committed with the
 * report, another machine's grid): every run of `cfg` whose folder in `out` has no result.json,
 * and which the file holds finished with the same settings, gets that record back as its
 * result.json, so the grid trains only what neither has. A run's settings are read from the file's
 * own config, not from its record: `ner compare` writes a record there only after checking its
 * folder against that config (with the settings the run resolved), while an older record lists only
 * what the config set then, not the defaults it ran with. A run whose setup had other settings is
 * left out (listed in `skipped` with why) and trains as any other.
 */
export function restoreRuns(cfg: CompareConfig, out: string, file: string): { restored: string[]; skipped: string[] } {
  let records: Record<string, unknown>[];
  let then: CompareConfig;
  try {
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown; config?: unknown };
    if (!Array.isArray(kept.runs)) throw new Error('it has no "runs" list');
    then = camelKeys<CompareConfig>(kept.config);
    if (!Array.isArray(then?.setups)) throw new Error('it has no "config" with setups');
    records = kept.runs as Record<string, unknown>[];
  } catch (e) {
    throw new UsageError(`${file}: not a results.json that \`ner compare\` wrote (${(e as Error).message})`);
  }
  const restored: string[] = [];
  const skipped: string[] = [];
  for (const run of planGrid(cfg, out).pending) {
    const name = `${run.setup.name} seed ${run.seed}`;
    const record = records.find((r) => r.setup === run.setup.name && r.seed === run.seed && r.status === 'ok');
    const setupThen = then.setups.find((s) => s.name === run.setup.name);
    if (!record || !setupThen) continue;
    const shown = settingsDiffer(byName(setupSettings(then, setupThen)), byName(run.settings));
    if (shown !== undefined) {
      skipped.push(`${name}: made with other settings (${shown})`);
      continue;
    }
    restore(run, record);
    restored.push(name);
  }
  return { restored, skipped };
}

/** The run's folder as the grid would have left it: its settings (train-config.json, which reruns check) and its record. */
function restore(run: GridRun, record: Record<string, unknown>): void {
  writeRunConfig(run);
  writeJsonAtomic(join(run.dir, 'result.json'), record);
}

/** The settings with file and folder paths cut to their names. */
function byName(settings: Record<string, unknown>): Record<string, unknown> {
  const named = { ...settings };
  for (const key of PATH_KEYS) if (typeof named[key] === 'string') named[key] = basename(named[key] as string);
  return named;
}
