import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { blasStatus } from '../../src/kernels/addon.js';
import { ATTENTION } from '../../src/kernels/attention.js';
import { attention } from '../../src/model/ops.js';

const status = blasStatus();
const skip = status.available ? false : `skipped: ${status.detail}`;
const [B, S, H, heads] = [2, 5, 8, 2];
const dh = H / heads;

/** The tf-op form of model/bert.ts (heads split by transposes), without dropout. */
function reference(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, S, heads, dh]), [0, 2, 1, 3]);
  const scores = tf.add(tf.mul(tf.matMul(split(q), split(k), false, true), 1 / Math.sqrt(dh)), tf.reshape(mask, [B, 1, 1, S]));
  return tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores, -1), split(v)), [0, 2, 1, 3]), [B, S, H]);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`native attention core on ${backend}`, { skip }, () => {
    test(`${backend}: without dropout, the context and the gradients of q, k, v equal the tf-op form to 1e-5 (padded keys masked)`, async () => {
      await selectBackend(backend);
      assert.ok(tf.getKernel(ATTENTION, backend));
      const [q, k, v, w] = [1, 2, 3, 4].map((seed) => tf.randomNormal([B, S, H], 0, 1, 'float32', seed));
      const mask = tf.tensor2d([[0, 0, 0, 0, 0], [0, 0, 0, -10000, -10000]]);
      const before = tf.memory().numTensors;
      const run = (f: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor) =>
        tf.tidy(() => [f(q!, k!, v!), ...tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), w!)))([q!, k!, v!])].map((t) => Array.from(t.dataSync())));
      const want = run((a, b, c) => reference(a, b, c, mask));
      const got = run((a, b, c) => attention(a, b, c, mask, { heads, scale: 1 / Math.sqrt(dh), seed: 0, rate: 0 }));
      ['context', 'dq', 'dk', 'dv'].forEach((what, i) => want[i]!.forEach((x, j) => assert.ok(Math.abs(got[i]![j]! - x) < 1e-5 * Math.max(1, Math.abs(x)), `${what}[${j}]: ${got[i]![j]} vs ${x}`)));
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.dispose([q!, k!, v!, w!, mask]);
    });

    test(`${backend}: with dropout on the probabilities, the gradients match central finite differences (the mask is fixed by its seed)`, async () => {
      await selectBackend(backend);
      const [q, k, v, w] = [5, 6, 7, 8].map((seed) => tf.randomNormal([B, S, H], 0, 1, 'float32', seed));
      const mask = tf.zeros([B, S]);
      const attrs = { heads, scale: 1 / Math.sqrt(dh), seed: 12345, rate: 0.3 };
      const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(attention(a, b, c, mask, attrs), w!));
      const grads = tf.tidy(() => tf.grads(loss)([q!, k!, v!]).map((g) => Array.from(g.dataSync())));
      const inputs = [q!, k!, v!];
      inputs.forEach((t, which) => {
        const base = t.dataSync();
        for (let i = 0; i < base.length; i += 3) {
          const at = (d: number) =>
            tf.tidy(() => {
              const bumped = Float32Array.from(base);
              bumped[i]! += d;
              const args = inputs.map((x, j) => (j === which ? tf.tensor(bumped, x.shape) : x)) as [tf.Tensor, tf.Tensor, tf.Tensor];
              return loss(...args).dataSync()[0]!;
            });
          const fd = (at(1e-2) - at(-1e-2)) / 2e-2;
          assert.ok(Math.abs(fd - grads[which]![i]!) < 2e-3 * Math.max(1, Math.abs(fd)), `d${'qkv'[which]}[${i}]: ${grads[which]![i]} vs ${fd}`);
        }
      });
      const once = tf.tidy(() => Array.from(attention(q!, k!, v!, mask, attrs).dataSync()));
      const again = tf.tidy(() => Array.from(attention(q!, k!, v!, mask, attrs).dataSync()));
      const plain = tf.tidy(() => Array.from(attention(q!, k!, v!, mask, { ...attrs, rate: 0 }).dataSync()));
      assert.deepEqual(again, once, 'the same seed drops the same probabilities');
      assert.notDeepEqual(plain, once, 'dropout changed the context');
      tf.dispose([q!, k!, v!, w!, mask]);
    });
  });
}
