import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { blasStatus } from '../../src/kernels/addon.js';
import { DROPOUT } from '../../src/kernels/dropout.js';
import { dropout } from '../../src/model/bert.js';

const status = blasStatus();
const skip = status.available ? false : `skipped: ${status.detail}`;

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused dropout on ${backend}`, { skip }, () => {
    test(`${backend}: keeps about 1 − rate, scales kept values by 1/(1 − rate), replays from its seed, and its gradient is the same mask`, async () => {
      await selectBackend(backend);
      assert.ok(tf.getKernel(DROPOUT, backend));
      const n = 200_000;
      const x = tf.randomNormal([n], 0, 1, 'float32', 3);
      const w = tf.randomNormal([n], 0, 1, 'float32', 4);
      const before = tf.memory().numTensors;
      const xs = x.dataSync();
      const ws = w.dataSync();
      const drop = (seed: number) => tf.tidy(() => dropout(x, 0.1, () => seed).dataSync());
      const a = drop(7);
      let kept = 0;
      a.forEach((v, i) => {
        if (v !== 0) {
          kept++;
          assert.ok(Math.abs(v - xs[i]! / 0.9) < 1e-6 * Math.max(1, Math.abs(v)), `element ${i}`);
        }
      });
      assert.ok(Math.abs(kept / n - 0.9) < 0.005, `kept ${kept / n}`);
      assert.deepEqual(drop(7), a, 'the same seed gives the same mask');
      const b = drop(8);
      assert.ok(a.some((v, i) => (v === 0) !== (b[i] === 0)), 'another seed gives another mask');
      const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(dropout(t, 0.1, () => 7), w)))(x).dataSync());
      g.forEach((v, i) => assert.ok(Math.abs(v - (a[i] === 0 ? 0 : ws[i]! / 0.9)) < 1e-6 * Math.max(1, Math.abs(v)), `gradient ${i}`));
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.dispose([x, w]);
    });
  });
}
