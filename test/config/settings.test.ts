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

test('Lookahead slow-weight settings on an optimizer without Lookahead fail up front, naming the flag or the line', () => {
  assert.throws(() => resolveTrainConfig(undefined, { train: missing, out: join(work, 'f'), lookaheadSlowWeights: 'random-matrices' }), /^UsageError: --lookahead-slow-weights: 'random-matrices' needs a Lookahead optimizer \(lookahead-\*, ranger\), not adamw/);
  for (const optimizer of ['lookahead-radam', 'ranger']) assert.doesNotThrow(() => resolveTrainConfig(undefined, { train: missing, out: join(work, 'g'), optimizer, lookaheadSlowWeights: 'init' }), optimizer);
  const conf = join(work, 'bad-slow-weights.json');
  writeFileSync(conf, '{\n  "train": "x.txt",\n  "optimizer": "radam",\n  "lookaheadSlowWeights": "init"\n}\n');
  assert.throws(() => resolveTrainConfig(conf, { out: join(work, 'h') }), (err: unknown) => err instanceof InputError && err.message.includes(`${conf}:4: lookaheadSlowWeights: 'init' needs a Lookahead optimizer`));
});

test("headWeightDecay 0 leaves the head's weights undecayed while the encoder's kernels decay (the PyTorch script's groups)", async () => {
  const tf = await import('@tensorflow/tfjs');
  const { selectBackend } = await import('../../src/backend.js');
  const { optimizerOptionsOf } = await import('../../src/config/optimizer.js');
  const { createOptimizer } = await import('../../src/optim/registry.js');
  await selectBackend('cpu');
  const names = ['m0/bert.encoder.layer.0.output.dense.weight', 'm0/lstm.forward.kernel', 'm0/classifier.weight', 'm0/crf.transitions'];
  const after = (overrides: Record<string, unknown>) => {
    const cfg = { ...TRAIN_DEFAULTS, lr: 0.1, headLr: 0.1, weightDecay: 0.5, ...overrides };
    const vars = names.map((n) => tf.variable(tf.ones([1]), true, n));
    const opt = createOptimizer('adamw', optimizerOptionsOf(cfg));
    const zero = Object.fromEntries(names.map((n) => [n, tf.zeros([1])]));
    opt.applyGradients(zero);
    const values = vars.map((v) => v.dataSync()[0]!);
    tf.dispose([...vars, ...Object.values(zero)]);
    opt.dispose();
    return values;
  };
  // AdamW with a zero gradient moves θ only by its decoupled decay: θ·(1 − lr·λ) = 0.95.
  assert.deepEqual(after({}).map((v) => +v.toFixed(6)), [0.95, 0.95, 0.95, 0.95], 'by default the head decays as the encoder');
  assert.deepEqual(after({ headWeightDecay: 0 }).map((v) => +v.toFixed(6)), [0.95, 1, 1, 1], 'headWeightDecay 0: only the encoder decays');
  assert.deepEqual(after({ headLr: null, headWeightDecay: 0 }).map((v) => +v.toFixed(6)), [0.95, 1, 1, 1], 'also without a head learning rate of its own');
});
