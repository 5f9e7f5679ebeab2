import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { blasStatus } from '../../src/kernels/addon.js';
import { GELU } from '../../src/kernels/gelu.js';
import { gelu } from '../../src/model/ops.js';

const status = blasStatus();
const skip = status.available ? false : `skipped: ${status.detail}`;

/** erf by its Maclaurin series (|x| ≤ 3) or continued fraction, in float64: the reference. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  if (a > 6) return s;
  let sum = 0;
  let term = a;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-a * a) / (n + 1);
  }
  return (s * 2 * sum) / Math.sqrt(Math.PI);
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused GELU on ${backend}`, { skip }, () => {
    test(`${backend}: the fused kernel serves gelu, and its value and gradient match float64 x·Φ(x) and Φ(x) + x·φ(x) to 1e-6`, async () => {
      await selectBackend(backend);
      assert.ok(tf.getKernel(GELU, backend));
      const values = Array.from({ length: 2001 }, (_, i) => -5 + i * 0.005);
      const x = tf.tensor1d(values);
      const w = tf.tensor1d(values.map((_, i) => 1 + (i % 7) / 7));
      const before = tf.memory().numTensors;
      const [y, [dx]] = tf.tidy(() => [gelu(x), tf.grads((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), w)))([x])] as const);
      const yv = y.dataSync();
      const dv = dx!.dataSync();
      const wv = w.dataSync();
      values.forEach((v, i) => {
        assert.ok(Math.abs(yv[i]! - v * Phi(v)) < 1e-6 * Math.max(1, Math.abs(v)), `gelu(${v}) = ${yv[i]}`);
        assert.ok(Math.abs(dv[i]! - wv[i]! * (Phi(v) + v * phi(v))) < 1e-6 * Math.max(1, wv[i]!), `gelu'(${v}) = ${dv[i]}`);
      });
      tf.dispose([y, dx!]);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.dispose([x, w]);
    });
  });
}
