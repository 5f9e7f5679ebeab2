import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CompareConfig } from '../../src/compare/config.js';
import { restoreRuns } from '../../src/compare/restore.js';
import { planGrid } from '../../src/compare/run.js';
import { UsageError } from '../../src/errors.js';
import { snakeKeys } from '../../src/util/json-keys.js';
import { tempDir } from '../helpers.js';

/** Two setups × seeds 1, 2 over data in `data`. */
function grid(data: string): CompareConfig {
  return {
    base: { model: 'scratch', train: join(data, 'train.txt'), dev: join(data, 'dev.txt'), lr: 0.005, epochs: 2 },
    seeds: [1, 2],
    setups: [
      { name: 'adamw', settings: { optimizer: 'adamw' } },
      { name: 'radam', settings: { optimizer: 'radam', lr: 0.01 } },
    ],
    parallel: 1,
  };
}

/**
 * A finished run's record as `ner compare` writes it into results.json (snake_case). Its settings
 * list only the config's, as records written before a setting existed do.
 */
function record(cfg: CompareConfig, setup: string, seed: number, f1: number): Record<string, unknown> {
  return snakeKeys({
    setup, seed, status: 'ok', epochs: [{ epoch: 1, step: 4, dev_f1: f1 }], loss_curve: [{ step: 4, loss: 1 }], dev_points: [],
    test: { precision: f1, recall: f1, f1 }, outside_fraction: 0.9, drift: 0.01, steps: 4, wall_seconds: 3, tokens_per_second: 100,
    settings: { ...cfg.base, ...cfg.setups.find((s) => s.name === setup)!.settings },
  });
}

/** A results.json of `runs` made with the grid `then`. */
function keptResults(dir: string, then: CompareConfig, runs: Record<string, unknown>[]): string {
  const file = join(dir, 'results.json');
  writeFileSync(file, JSON.stringify(snakeKeys({ config: then, runs })));
  return file;
}

test('restoreRuns brings back the runs a kept results.json holds, matching data by file name, and the grid then trains only the rest', () => {
  const dir = tempDir('ner-restore-');
  const out = join(dir, 'grid');
  const cfg = grid(join(dir, 'data'));
  // Written on another machine: the same corpora under another folder.
  const elsewhere = grid('/elsewhere/corpora');
  const file = keptResults(dir, elsewhere, [record(elsewhere, 'adamw', 1, 0.5), record(elsewhere, 'radam', 2, 0.4), { setup: 'adamw', seed: 2, status: 'failed' }]);
  const { restored, skipped } = restoreRuns(cfg, out, file);
  assert.deepEqual(restored, ['adamw seed 1', 'radam seed 2']);
  assert.deepEqual(skipped, []);
  const { finished, pending } = planGrid(cfg, out);
  assert.deepEqual(finished.map((r) => [r.setup, r.seed, r.test?.f1]), [['adamw', 1, 0.5], ['radam', 2, 0.4]]);
  // The failed record is not a finished run: it trains again.
  assert.deepEqual(pending.map((r) => `${r.setup.name} ${r.seed}`), ['adamw 2', 'radam 1']);
  // The restored folder carries its settings, so a rerun with other settings is refused as for any run folder.
  assert.ok(existsSync(join(out, 'runs', 'adamw', 'seed-1', 'train-config.json')));
  assert.throws(() => planGrid({ ...cfg, base: { ...cfg.base, lr: 0.001 } }, out), /made with other settings \(lr 0\.005 → 0\.001\)/);
});

test('restoreRuns keeps a run the folder already finished, and leaves out a run its grid made with other settings', () => {
  const dir = tempDir('ner-restore-');
  const out = join(dir, 'grid');
  const cfg = grid(join(dir, 'data'));
  const mine = join(out, 'runs', 'adamw', 'seed-1');
  mkdirSync(mine, { recursive: true });
  writeFileSync(join(mine, 'result.json'), JSON.stringify(record(cfg, 'adamw', 1, 0.7)));
  // The kept grid ran radam at another lr; its record does not say so, the file's config does.
  const then = { ...cfg, setups: [cfg.setups[0]!, { name: 'radam', settings: { optimizer: 'radam' as const, lr: 0.02 } }] };
  const { restored, skipped } = restoreRuns(cfg, out, keptResults(dir, then, [record(cfg, 'adamw', 1, 0.1), record(cfg, 'radam', 1, 0.2)]));
  assert.deepEqual(restored, []);
  assert.deepEqual(skipped, ['radam seed 1: made with other settings (lr 0.02 → 0.01)']);
  assert.equal(JSON.parse(readFileSync(join(mine, 'result.json'), 'utf8')).test.f1, 0.7);
  assert.ok(!existsSync(join(out, 'runs', 'radam', 'seed-1', 'result.json')));
});

test('restoreRuns names the file when it is not a results.json', () => {
  const dir = tempDir('ner-restore-');
  const file = join(dir, 'results.json');
  writeFileSync(file, '{"setups": []}');
  assert.throws(() => restoreRuns(grid(dir), join(dir, 'grid'), file), (e: unknown) => e instanceof UsageError && /results\.json: not a results\.json that `ner compare` wrote \(it has no "runs" list\)/.test(e.message));
});
