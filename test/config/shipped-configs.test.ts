import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCompareConfig } from '../../src/compare/config.js';
import { resolveTrainConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers.js';

const dir = join(ROOT, 'configs');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('every shipped config loads: compare grids as grids, the rest as training configs', () => {
  assert.ok(files.length >= 10);
  for (const f of files) {
    if (f.startsWith('compare-')) assert.ok(loadCompareConfig(join(dir, f)).setups.length > 0, f);
    else assert.equal(resolveTrainConfig(join(dir, f), { out: 'unused' }).out, 'unused', f);
  }
});

test('compare-optimizers.json and compare-article.json: the article’s six setups × 3 seeds', () => {
  for (const f of ['compare-optimizers.json', 'compare-article.json']) {
    const cfg = loadCompareConfig(join(dir, f));
    assert.deepEqual(cfg.setups.map((s) => s.settings.optimizer), ['bert-adamw', 'adam-l2', 'radam', 'lookahead-adamw', 'lookahead-radam', 'ranger'], f);
    assert.deepEqual(cfg.seeds, [1, 2, 3], f);
  }
});
