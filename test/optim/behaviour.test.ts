import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { Lookahead } from '../../src/optim/lookahead.js';
import { createOptimizer, OPTIMIZER_NAMES, OptimizerOptionError } from '../../src/optim/registry.js';
import { scheduleFactor } from '../../src/optim/schedule.js';

function withVars<T>(values: Record<string, number[]>, f: (vars: Record<string, tf.Variable>) => T): T {
  const vars = Object.fromEntries(Object.entries(values).map(([n, v]) => [n, tf.variable(tf.tensor1d(v), true, n)]));
  try {
    return f(vars);
  } finally {
    tf.dispose(Object.values(vars));
  }
}

describe('optimizer behaviour', () => {
  test('cpu backend', async () => assert.equal((await selectBackend('cpu')).name, 'cpu'));

  test('bert-adamw decays kernels but not LayerNorm or bias variables (names decide)', () => {
    withVars({ 'encoder/layer_0/dense/kernel': [1], 'encoder/layer_0/LayerNorm/gamma': [1], 'encoder/layer_0/dense/bias': [1] }, (vars) => {
      const opt = createOptimizer('bert-adamw', { learningRate: 0.1, weightDecay: 0.5 });
      const zero = Object.fromEntries(Object.keys(vars).map((n) => [n, tf.zeros([1])]));
      opt.applyGradients(zero);
      assert.ok(Math.abs(vars['encoder/layer_0/dense/kernel']!.dataSync()[0]! - 0.95) < 1e-7, 'kernel: θ - lr·λ·θ');
      assert.equal(vars['encoder/layer_0/LayerNorm/gamma']!.dataSync()[0], 1);
      assert.equal(vars['encoder/layer_0/dense/bias']!.dataSync()[0], 1);
      tf.dispose(Object.values(zero));
      opt.dispose();
    });
  });

  test('parameter groups give the BiLSTM/CRF head its own learning rate', () => {
    withVars({ 'bert/w': [0], 'crf/transitions': [0] }, (vars) => {
      const opt = createOptimizer('adam', { learningRate: 1e-3, groups: [{ match: '^(crf|lstm)/', learningRate: 0.1 }] });
      assert.equal(opt.learningRateFor('bert/w'), 1e-3);
      assert.equal(opt.learningRateFor('crf/transitions'), 0.1);
      const g = { 'bert/w': tf.ones([1]), 'crf/transitions': tf.ones([1]) };
      opt.applyGradients(g);
      // Adam's first step moves each parameter by ≈ its learning rate.
      assert.ok(Math.abs(vars['bert/w']!.dataSync()[0]! + 1e-3) < 1e-6);
      assert.ok(Math.abs(vars['crf/transitions']!.dataSync()[0]! + 0.1) < 1e-5);
      tf.dispose(Object.values(g));
      opt.dispose();
    });
  });

  test('schedules: BERT drops at the end of warmup, linear (HF) decays from it, cosine ends at 0', () => {
    const s = { warmupSteps: 10, totalSteps: 100 };
    assert.equal(scheduleFactor({ kind: 'bert', ...s }, 0), 0);
    assert.equal(scheduleFactor({ kind: 'bert', ...s }, 5), 0.5);
    assert.equal(scheduleFactor({ kind: 'bert', ...s }, 10), 0.9);
    assert.equal(scheduleFactor({ kind: 'linear', ...s }, 10), 1);
    assert.equal(scheduleFactor({ kind: 'linear', ...s }, 55), 0.5);
    assert.equal(scheduleFactor({ kind: 'linear', ...s }, 100), 0);
    assert.ok(Math.abs(scheduleFactor({ kind: 'cosine', ...s }, 55) - 0.5) < 1e-12);
    assert.ok(scheduleFactor({ kind: 'cosine', ...s }, 100) < 1e-12);
    assert.equal(scheduleFactor({ kind: 'constant', ...s }, 5), 0.5);
    assert.equal(scheduleFactor({ kind: 'constant', ...s }, 50), 1);
  });

  test('radam without its SGD phase leaves parameters untouched for the first steps (β2 .999: ρt < 5 until step 6)', () => {
    withVars({ w: [1] }, (vars) => {
      const opt = createOptimizer('radam', { learningRate: 0.1, degeneratedToSgd: false, weightDecay: 0.1 });
      for (let t = 1; t <= 6; t++) {
        const g = { w: tf.ones([1]) };
        opt.applyGradients(g);
        tf.dispose(g.w);
        if (t <= 5) assert.equal(vars.w!.dataSync()[0], 1, `step ${t}`);
        else assert.ok(vars.w!.dataSync()[0]! < 1, 'step 6 rectified');
      }
      opt.dispose();
    });
  });

  test('Lookahead: slow weights are taken at the first step (after loading), or earlier on request (the TF1 pitfall)', () => {
    withVars({ w: [0] }, (vars) => {
      const early = createOptimizer('lookahead-adam', { learningRate: 0.1, k: 2, alpha: 0.5 }) as Lookahead;
      early.captureSlowWeights(['w']); // "random init" = 0
      vars.w!.assign(tf.tensor1d([10])); // "checkpoint loaded" afterwards
      for (let i = 0; i < 2; i++) {
        const g = { w: tf.zeros([1]) };
        early.applyGradients(g);
        tf.dispose(g.w);
      }
      // Zero gradients: fast stays 10, sync pulls it halfway to the stale slow weight 0.
      assert.equal(vars.w!.dataSync()[0], 5);
      early.dispose();

      vars.w!.assign(tf.tensor1d([10]));
      const right = createOptimizer('lookahead-adam', { learningRate: 0.1, k: 2, alpha: 0.5 });
      for (let i = 0; i < 2; i++) {
        const g = { w: tf.zeros([1]) };
        right.applyGradients(g);
        tf.dispose(g.w);
      }
      assert.equal(vars.w!.dataSync()[0], 10);
      right.dispose();
    });
  });

  test('every registered name builds; bad names and options are refused with what is accepted', () => {
    for (const name of OPTIMIZER_NAMES()) createOptimizer(name).dispose();
    assert.ok(OPTIMIZER_NAMES().includes('lookahead-radam') && OPTIMIZER_NAMES().includes('ranger'));
    assert.throws(() => createOptimizer('sgdw'), (e: Error) => e instanceof OptimizerOptionError && /expected one of .*bert-adamw/.test(e.message));
    assert.throws(() => createOptimizer('lookahead-ranger'), OptimizerOptionError);
    assert.throws(() => createOptimizer('adamw', { lr: 1 } as never), /unknown optimizer option 'lr'/);
    assert.throws(() => createOptimizer('adamw', { k: 5 }), /option 'k' does not apply to adamw/);
    assert.throws(() => createOptimizer('adamw', { learningRate: -1 }), /learningRate must be a number > 0/);
    assert.throws(() => createOptimizer('adamw', { beta2: 1 }), /beta2 must be in \[0, 1\)/);
    assert.throws(() => createOptimizer('adamw', { schedule: { kind: 'linear', warmupSteps: 5, totalSteps: 0 } }), /needs totalSteps/);
    assert.throws(() => createOptimizer('lookahead-adamw', { k: 0 }), /k must be a whole number/);
  });
});
