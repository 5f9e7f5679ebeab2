import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { blasStatus } from '../../src/kernels/addon.js';
import { blasActive } from '../../src/kernels/blas-matmul.js';
import { mm } from '../../src/model/ops.js';
import { ROOT, runCli, tempDir } from '../helpers.js';
import { join } from 'node:path';

const status = blasStatus();
const skip = status.available ? false : `skipped: ${status.detail}`;

/** op(A)·op(B) in float64, batched with broadcasting of a batch of 1, as the reference. */
function reference(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Float64Array {
  const A = a.dataSync();
  const B = b.dataSync();
  const [ra, rb] = [a.rank, b.rank];
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = tb ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  const batch = Math.max(batchA, batchB);
  const out = new Float64Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    const ao = batchA === 1 ? 0 : i * m * k;
    const bo = batchB === 1 ? 0 : i * k * n;
    for (let r = 0; r < m; r++)
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += A[ao + (ta ? j * m + r : r * k + j)]! * B[bo + (tb ? c * k + j : j * n + c)]!;
        out[i * m * n + r * n + c] = s;
      }
  }
  return out;
}

const CASES: [string, number[], number[], boolean, boolean][] = [
  ['plain 2-D', [37, 53], [53, 29], false, false],
  ['transposed A', [53, 37], [53, 29], true, false],
  ['transposed B', [37, 53], [29, 53], false, true],
  ['both transposed', [53, 37], [29, 53], true, true],
  ['batched rank 3', [3, 17, 9], [3, 9, 11], false, false],
  ['batched rank 4, transposed B (attention scores)', [2, 2, 7, 5], [2, 2, 7, 5], false, true],
  ['a batch of 1 broadcast over B', [1, 6, 4], [5, 4, 3], false, false],
  ['empty inner dimension', [4, 0], [0, 3], false, false],
];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`native BLAS BatchMatMul on ${backend}`, { skip }, () => {
    test(`${backend}: selectBackend reports ${backend}+blas and the kernels it uses`, async () => {
      const info = await selectBackend(backend);
      assert.equal(info.label, `${backend}+blas`);
      assert.match(info.kernels, /OpenBLAS/);
      assert.ok(blasActive());
    });
    for (const [name, sa, sb, ta, tb] of CASES) {
      test(`${backend}: ${name} equals the float64 product to 1e-5`, () => {
        const a = tf.randomNormal(sa, 0, 1, 'float32', 1);
        const b = tf.randomNormal(sb, 0, 1, 'float32', 2);
        const before = tf.memory().numTensors;
        const c = tf.matMul(a, b, ta, tb);
        const got = c.dataSync();
        const want = reference(a, b, ta, tb);
        assert.equal(got.length, want.length);
        let scale = 0;
        for (const v of want) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i]! - want[i]!) <= 1e-5 * Math.max(scale, 1), `${i}: ${got[i]} vs ${want[i]}`);
        c.dispose();
        assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
        tf.dispose([a, b]);
      });
    }
    test(`${backend}: mm's gradient (transposes passed as flags) matches finite differences`, () => {
      const a = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
      const b = tf.randomNormal([4, 3], 0, 1, 'float32', 4);
      const w = tf.randomNormal([5, 3], 0, 1, 'float32', 5);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(mm(x, y), w)) as tf.Scalar;
      const [ga, gb] = tf.grads(f)([a, b]);
      const eps = 1e-2;
      for (const [t, g, which] of [[a, ga, 0], [b, gb, 1]] as const) {
        const base = t.dataSync();
        const grad = g!.dataSync();
        for (let i = 0; i < base.length; i++) {
          const bump = (d: number) => {
            const v = Float32Array.from(base);
            v[i]! += d;
            const x = tf.tensor(v, t.shape);
            const r = tf.tidy(() => (which === 0 ? f(x, b) : f(a, x)).dataSync()[0]!);
            x.dispose();
            return r;
          };
          const fd = (bump(eps) - bump(-eps)) / (2 * eps);
          assert.ok(Math.abs(fd - grad[i]!) < 2e-3 * Math.max(1, Math.abs(fd)), `d/d${which === 0 ? 'a' : 'b'}[${i}]: ${grad[i]} vs ${fd}`);
        }
      }
      tf.dispose([a, b, w, ga!, gb!]);
    });
  });
}

test('NER_BLAS=off: training runs on the stock kernels and says so', () => {
  const r = runCli(['train', '--config', join(ROOT, 'configs', 'debug-tiny.json'), '--out', join(tempDir(), 'out'), '--epochs', '1', '--train-limit', '32', '--workers', '1'], { env: { NER_BLAS: 'off' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend wasm \(@tensorflow\/tfjs-backend-wasm; matrix products: stock wasm kernels: native BLAS off \(NER_BLAS=off\)\)/);
});

test('an addon that cannot load: ner names why and falls back to the stock kernels', () => {
  const r = runCli(['train', '--config', join(ROOT, 'configs', 'debug-tiny.json'), '--out', join(tempDir(), 'out'), '--epochs', '1', '--train-limit', '32', '--workers', '1'], { env: { NER_BLAS_ADDON: join(ROOT, 'no-such-addon.node') } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend wasm \(.*matrix products: stock wasm kernels: the native BLAS kernel was not built/);
});

test('the native addon refuses any operand that lies outside its array (nothing is read or written out of bounds)', { skip }, async () => {
  const { addon } = await import('../../src/kernels/addon.js');
  const a = addon()!;
  const f = new Float32Array(16);
  assert.throws(() => a.sgemm(f, 0, 0, f, 0, 0, f, 10, 1, 2, 4, 2, false, false), /outside its array/);
  assert.throws(() => a.sgemm(f, -1, 0, f, 0, 0, f, 0, 1, 2, 2, 2, false, false), /negative/);
  assert.throws(() => a.gelu(f, 10, f, 0, 8), /outside its array/);
  assert.throws(() => a.geluGrad(f, 0, f, 0, f, 9, 8), /outside its array/);
  assert.throws(() => a.dropout(f, 0, f, 0, 17, 1, 0.1), /outside its array/);
  assert.throws(() => a.dropout(f, 0, f, 0, 4, 1, 1), /rate/);
  assert.throws(() => a.layerNorm(f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, 4, 8, 1e-12), /outside its array/);
  assert.throws(() => a.adam(f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, f, 8, 9, 0.9, 0.999, 1e-8, 1e-3, 1, 1, 0), /outside its array/);
  assert.throws(() => a.lstmForward(f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, 2, 2, 2), /outside its array/);
  assert.throws(() => a.lstmBackward(f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, f, 0, 1, 1, 8), /outside its array/);
  assert.throws(() => (a.gelu as unknown as (...x: unknown[]) => void)(f, 0, f), /expected/);
});
