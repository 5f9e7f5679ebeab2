import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { blasStatus } from '../../src/kernels/addon.js';
import { LSTM_FORWARD } from '../../src/kernels/lstm.js';
import { lstmSequence, nativeLstmSequence } from '../../src/model/bilstm.js';

const status = blasStatus();
const skip = status.available ? false : `skipped: ${status.detail}`;

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`native LSTM recurrence on ${backend}`, { skip }, () => {
    test(`${backend}: outputs and the gradients of proj and U equal the tf-op recurrence (whose BPTT is checked by finite differences in tagger.test) to 1e-5`, async () => {
      await selectBackend(backend);
      assert.ok(tf.getKernel(LSTM_FORWARD, backend));
      const [batch, steps, H2] = [3, 7, 6];
      const proj = tf.randomNormal([batch, steps, 4 * H2], 0, 1, 'float32', 11) as tf.Tensor3D;
      const U = tf.randomNormal([H2, 4 * H2], 0, 0.5, 'float32', 12) as tf.Tensor2D;
      const w = tf.randomNormal([batch, steps, H2], 0, 1, 'float32', 13);
      const before = tf.memory().numTensors;
      const run = (f: typeof lstmSequence) =>
        tf.tidy(() => {
          const y = f(proj, U);
          const [dp, du] = tf.grads((p: tf.Tensor, u: tf.Tensor) => tf.sum(tf.mul(f(p as tf.Tensor3D, u as tf.Tensor2D), w)))([proj, U]);
          return [y, dp!, du!].map((t) => Array.from(t.dataSync()));
        });
      const [want, got] = [run(lstmSequence), run(nativeLstmSequence)];
      ['outputs', 'd proj', 'd U'].forEach((what, k) =>
        want[k]!.forEach((v, i) => assert.ok(Math.abs(got[k]![i]! - v) < 1e-5 * Math.max(1, Math.abs(v)), `${what}[${i}]: ${got[k]![i]} vs ${v}`)),
      );
      assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
      tf.dispose([proj, U, w]);
    });
  });
}
