import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { trainFlagTable } from '../../src/config/flag-table.js';
import { resolveTrainConfig } from '../../src/config/load.js';
import { flagOf, TRAIN_DEFAULTS, TRAIN_KEYS, TRAIN_SETTINGS, trainSettingProblem } from '../../src/config/schema.js';
import { InputError, UsageError } from '../../src/errors.js';
import { ROOT, runCli, tempDir } from '../helpers.js';

const work = tempDir('ner-settings-');
const missing = join(work, 'no-such-corpus.txt');

test('every default passes its own check, and every required setting is marked so', () => {
  for (const key of TRAIN_KEYS) {
    const problem = trainSettingProblem(key, TRAIN_DEFAULTS[key]);
    if (TRAIN_SETTINGS[key].required) assert.ok(problem, `${key}'s empty default is refused`);
    else assert.equal(problem, undefined, key);
  }
});

test('ner train --help has one flag per setting, spelled as the table says', () => {
  const r = runCli(['train', '--help']);
  assert.equal(r.code, 0, r.stderr);
  for (const key of TRAIN_KEYS) assert.ok(r.stdout.includes(`${flagOf(key)}${TRAIN_SETTINGS[key].type.arg ? ' ' + TRAIN_SETTINGS[key].type.arg : ''}`), key);
});

test("README's ner train flag table is the one derived from the settings table", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /<!-- train-flags:start -->\n([\s\S]*?)\n<!-- train-flags:end -->/.exec(readme)?.[1];
  assert.equal(block, trainFlagTable(), 'regenerate it: node dist/scripts/flag-table.js');
});

test('an unknown optimizer fails before any corpus is read (the train file does not exist)', () => {
  assert.throws(() => resolveTrainConfig(undefined, { train: missing, out: join(work, 'a'), optimizer: 'adamx' }), (err: unknown) => {
    assert.ok(err instanceof UsageError);
    assert.match(err.message, /^--optimizer: unknown optimizer 'adamx'; expected one of .*bert-adamw/);
    return true;
  });
  const r = runCli(['train', '--train', missing, '--out', join(work, 'b'), '--optimizer', 'adamx']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown optimizer 'adamx'/);
  assert.doesNotMatch(r.stderr, /no-such-corpus/);
});

test("optimizer options the optimizer does not take fail up front, naming the flag or the file's line", () => {
  assert.throws(() => resolveTrainConfig(undefined, { train: missing, out: join(work, 'c'), optimizerOptions: { k: 5 } }), /^UsageError: --optimizer-options: option 'k' does not apply to adamw/);
  assert.doesNotThrow(() => resolveTrainConfig(undefined, { train: missing, out: join(work, 'd'), optimizer: 'lookahead-adamw', optimizerOptions: { k: 5 } }));
  const conf = join(work, 'bad-options.json');
  writeFileSync(conf, '{\n  "train": "x.txt",\n  "optimizer": "radam",\n  "optimizerOptions": {"beta1": 1.5}\n}\n');
  assert.throws(() => resolveTrainConfig(conf, { out: join(work, 'e') }), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.message, new RegExp(`${conf}:4: optimizerOptions: beta1 must be in \\[0, 1\\)`));
    return true;
  });
});
