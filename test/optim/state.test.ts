import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { createOptimizer, type OptimizerOptions } from '../../src/optim/registry.js';
import { CASES, gradientsAt, makeVariables, reference } from './fixtures.js';

/** Runs steps [from, to) of the fixture gradients. */
function run(opt: ReturnType<typeof createOptimizer>, from: number, to: number) {
  for (let s = from; s < to; s++) {
    const g = gradientsAt(reference, s);
    opt.applyGradients(g);
    tf.dispose(Object.values(g));
  }
}

describe('optimizer state: save, restore, leaks, config', () => {
  test('cpu backend', async () => assert.equal((await selectBackend('cpu')).name, 'cpu'));

  for (const [key, { name, options }] of Object.entries(CASES)) {
    test(`${key}: saved after step 5 and restored into a fresh optimizer, it continues bit for bit`, () => {
      const straight = makeVariables(reference.initial);
      const a = createOptimizer(name, options);
      run(a, 0, 12);
      const expected = straight.map((v) => v.dataSync().slice());
      a.dispose();
      tf.dispose(straight);

      const vars = makeVariables(reference.initial);
      const b = createOptimizer(name, options);
      run(b, 0, 5);
      const state = b.exportState();
      const snapshot = vars.map((v) => v.dataSync().slice());
      b.dispose();
      tf.dispose(vars);
      // A new process would rebuild variables from the checkpoint, then the optimizer from state/.
      const restored = makeVariables(reference.initial);
      restored.forEach((v, i) => v.assign(tf.tensor(snapshot[i]!, v.shape)));
      const c = createOptimizer(name, options);
      c.importState(JSON.parse(JSON.stringify(state, (_k, x) => (x instanceof Float32Array ? Array.from(x) : x)), (_k, x) =>
        Array.isArray(x) && typeof x[0] === 'number' && _k === 'values' ? Float32Array.from(x) : x,
      ));
      assert.equal(c.step, 5);
      run(c, 5, 12);
      restored.forEach((v, i) => assert.deepEqual(v.dataSync(), expected[i], `${v.name} differs after resume`));
      c.dispose();
      tf.dispose(restored);
    });
  }

  test('no tensor leaks: repeated steps leave tf.memory().numTensors unchanged, dispose frees the state', () => {
    for (const { name, options } of Object.values(CASES)) {
      const before = tf.memory().numTensors;
      const vars = makeVariables(reference.initial);
      const opt = createOptimizer(name, options);
      run(opt, 0, 2); // slots are created on the first step
      const steady = tf.memory().numTensors;
      run(opt, 2, 12);
      assert.equal(tf.memory().numTensors, steady, name);
      opt.dispose();
      tf.dispose(vars);
      assert.equal(tf.memory().numTensors, before, `${name}: dispose`);
    }
  });

  test('getWeights/setWeights (the tfjs Optimizer API) round-trip the same state', async () => {
    const vars = makeVariables(reference.initial);
    const a = createOptimizer('ranger', { learningRate: 0.01 });
    run(a, 0, 4);
    const weights = await a.getWeights();
    const b = createOptimizer('ranger', { learningRate: 0.01 });
    await b.setWeights(weights);
    assert.deepEqual(b.exportState(), a.exportState());
    tf.dispose(weights.map((w) => w.tensor));
    a.dispose();
    b.dispose();
    tf.dispose(vars);
  });

  test('getConfig round-trips: an optimizer rebuilt from its config takes identical steps', () => {
    const options: OptimizerOptions = { learningRate: 0.02, clipNorm: 1, schedule: { kind: 'linear', warmupSteps: 2, totalSteps: 12 } };
    const a = createOptimizer('bert-adamw', options);
    const config = a.getConfig() as unknown as OptimizerOptions;
    const b = createOptimizer('bert-adamw', config);
    const va = makeVariables(reference.initial);
    run(a, 0, 6);
    const first = va.map((v) => v.dataSync().slice());
    tf.dispose(va);
    const vb = makeVariables(reference.initial);
    run(b, 0, 6);
    vb.forEach((v, i) => assert.deepEqual(v.dataSync(), first[i]));
    a.dispose();
    b.dispose();
    tf.dispose(vb);
  });
});
