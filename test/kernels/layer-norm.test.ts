import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { blasStatus } from '../../src/kernels/addon.js';
import { LAYER_NORM } from '../../src/kernels/layer-norm.js';
import { layerNorm } from '../../src/model/ops.js';

const status = blasStatus();
const skip = status.available ? false : `skipped: ${status.detail}`;
const EPS = 1e-12;

/** L = Σ w·LayerNorm(x) in float64, and its gradients by central differences (h 1e-4). */
function reference(x: number[][], g: number[], b: number[], w: number[][]) {
  const norm = (row: number[]) => {
    const m = row.reduce((s, v) => s + v, 0) / row.length;
    const v = row.reduce((s, u) => s + (u - m) ** 2, 0) / row.length;
    return row.map((u) => (u - m) / Math.sqrt(v + EPS));
  };
  const loss = (xs: number[][], gs: number[], bs: number[]) => xs.reduce((s, row, r) => s + norm(row).reduce((t, h, i) => t + w[r]![i]! * (h * gs[i]! + bs[i]!), 0), 0);
  const fd = (f: (d: number) => number) => (f(1e-4) - f(-1e-4)) / 2e-4;
  return {
    y: x.map((row) => norm(row).map((h, i) => h * g[i]! + b[i]!)),
    dx: x.map((row, r) => row.map((_, i) => fd((d) => loss(x.map((rr, k) => (k === r ? rr.map((u, j) => (j === i ? u + d : u)) : rr)), g, b)))),
    dg: g.map((_, i) => fd((d) => loss(x, g.map((u, j) => (j === i ? u + d : u)), b))),
    db: b.map((_, i) => fd((d) => loss(x, g, b.map((u, j) => (j === i ? u + d : u))))),
  };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fused layer normalisation on ${backend}`, { skip }, () => {
    test(`${backend}: value and the gradients of x, γ and β match float64 finite differences`, async () => {
      await selectBackend(backend);
      assert.ok(tf.getKernel(LAYER_NORM, backend));
      const rng = (i: number) => Math.sin(12.9898 * i) * 43758.5453 - Math.floor(Math.sin(12.9898 * i) * 43758.5453);
      const x = Array.from({ length: 6 }, (_, r) => Array.from({ length: 10 }, (_, i) => 3 * rng(r * 10 + i + 1) - 1 + r));
      const g = Array.from({ length: 10 }, (_, i) => 0.5 + rng(100 + i));
      const b = Array.from({ length: 10 }, (_, i) => rng(200 + i) - 0.5);
      const w = x.map((row, r) => row.map((_, i) => rng(300 + r * 10 + i) - 0.5));
      const ref = reference(x, g, b, w);
      const [tx, tg, tb, tw] = [tf.tensor2d(x), tf.tensor1d(g), tf.tensor1d(b), tf.tensor2d(w)];
      const before = tf.memory().numTensors;
      const y = tf.tidy(() => layerNorm(tx, tg, tb, EPS));
      const grads = tf.tidy(() => tf.grads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(layerNorm(a, c, d, EPS), tw)))([tx, tg, tb]));
      const close = (got: number[], want: number[], what: string) => got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-4 * Math.max(1, Math.abs(want[i]!)), `${what}[${i}]: ${v} vs ${want[i]}`));
      close([...y.dataSync()], ref.y.flat(), 'y');
      close([...grads[0]!.dataSync()], ref.dx.flat(), 'dx');
      close([...grads[1]!.dataSync()], ref.dg, 'dγ');
      close([...grads[2]!.dataSync()], ref.db, 'dβ');
      tf.dispose([y, ...grads]);
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.dispose([tx, tg, tb, tw]);
    });
  });
}
