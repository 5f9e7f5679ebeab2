import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCompareConfig } from '../../src/compare/config.js';
import { resolveTrainConfig } from '../../src/config/load.js';
import { ROOT, runCli, tempDir } from '../helpers.js';

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

test('paths in a config file resolve against its folder; flags against the working directory; hub ids stay', () => {
  const sub = join(tempDir(), 'sub');
  mkdirSync(sub);
  const file = join(sub, 'c.json');
  writeFileSync(file, JSON.stringify({ train: 'train.txt', dev: '../dev.txt', out: 'runs/a', model: 'bert-base-chinese' }));
  const cfg = resolveTrainConfig(file, { test: 'test.txt' });
  assert.equal(cfg.train, join(sub, 'train.txt'));
  assert.equal(cfg.dev, join(sub, '..', 'dev.txt'));
  assert.equal(cfg.out, join(sub, 'runs', 'a'));
  assert.equal(cfg.test, 'test.txt', 'a flag is relative to where ner runs');
  assert.equal(cfg.model, 'bert-base-chinese');
  writeFileSync(file, JSON.stringify({ train: 'train.txt', out: 'o', model: './my-model' }));
  assert.equal(resolveTrainConfig(file, {}).model, join(sub, 'my-model'));
});

test('the shipped configs name files that exist, from any working directory (the sample corpora)', () => {
  for (const f of ['quickstart.json', 'debug-tiny.json']) {
    const cfg = resolveTrainConfig(join(dir, f), { out: 'unused' });
    for (const p of [cfg.train, cfg.dev, cfg.test]) assert.ok(p && existsSync(p), `${f}: ${p}`);
  }
  const r = runCli(['train', '--config', join(dir, 'debug-tiny.json'), '--out', join(tempDir(), 'o'), '--epochs', '1', '--train-limit', '16', '--quiet'], { cwd: tempDir() });
  assert.equal(r.code, 0, r.stderr);
});
