import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { init, type Params } from './params.js';

/**
 * Bidirectional LSTM over right-padded batches. Gate order i, f, g, o (PyTorch); init
 * U(−1/√H, 1/√H) as nn.LSTM. The backward direction reads each sequence reversed *within its
 * own length*, so padding never enters either direction's valid steps; outputs at padded steps
 * are left as they fall (the CRF masks them). Both directions advance together as one batched
 * matmul over a leading direction axis.
 */
export class BiLSTM {
  constructor(
    private readonly params: Params,
    readonly inputSize: number,
    readonly hidden: number,
  ) {}

  static create(params: Params, inputSize: number, hidden: number, rng: Rng): BiLSTM {
    const k = 1 / Math.sqrt(hidden);
    for (const dir of ['forward', 'backward']) {
      params.add(`lstm.${dir}.kernel`, init.uniform([inputSize, 4 * hidden], rng, k));
      params.add(`lstm.${dir}.recurrent_kernel`, init.uniform([hidden, 4 * hidden], rng, k));
      params.add(`lstm.${dir}.bias`, init.uniform([4 * hidden], rng, k));
    }
    return new BiLSTM(params, inputSize, hidden);
  }

  /** [batch, steps, input] → [batch, steps, 2·hidden] (forward ‖ backward). */
  forward(x: tf.Tensor3D, lengths: number[]): tf.Tensor3D {
    const [batch, steps, input] = x.shape;
    const H = this.hidden;
    const p = (n: string) => this.params.get(`lstm.${n}`);
    const reverse = reversalIndex(lengths, steps); // [batch·steps]
    const flat = tf.reshape(x, [batch * steps, input]); // [batch·steps, input]
    const xs = tf.stack([flat, tf.gather(flat, reverse)]); // [2, batch·steps, input]
    const W = tf.stack([p('forward.kernel'), p('backward.kernel')]); // [2, input, 4H]
    const U = tf.stack([p('forward.recurrent_kernel'), p('backward.recurrent_kernel')]); // [2, H, 4H]
    const b = tf.reshape(tf.stack([p('forward.bias'), p('backward.bias')]), [2, 1, 1, 4 * H]); // [2, 1, 1, 4H]
    const proj = tf.add(tf.reshape(tf.matMul(xs, W), [2, batch, steps, 4 * H]), b); // [2, batch, steps, 4H]
    let h = tf.zeros([2, batch, H]); // [2, batch, H]
    let c = tf.zeros([2, batch, H]); // [2, batch, H]
    const outputs: tf.Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const gates = tf.add(tf.reshape(tf.slice(proj, [0, 0, t, 0], [2, batch, 1, 4 * H]), [2, batch, 4 * H]), tf.matMul(h, U)); // [2, batch, 4H]
      const gate = (k: number) => tf.slice(gates, [0, 0, k * H], [2, batch, H]); // [2, batch, H]
      const i = tf.sigmoid(gate(0));
      const f = tf.sigmoid(gate(1));
      const g = tf.tanh(gate(2));
      const o = tf.sigmoid(gate(3));
      c = tf.add(tf.mul(f, c), tf.mul(i, g)); // [2, batch, H]
      h = tf.mul(o, tf.tanh(c)); // [2, batch, H]
      outputs.push(h);
    }
    const seq = tf.reshape(tf.stack(outputs, 2), [2, batch * steps, H]); // [2, batch·steps, H]
    const fw = tf.squeeze(tf.slice(seq, [0, 0, 0], [1, batch * steps, H]), [0]); // [batch·steps, H]
    const bw = tf.gather(tf.squeeze(tf.slice(seq, [1, 0, 0], [1, batch * steps, H]), [0]), reverse); // [batch·steps, H]
    return tf.reshape(tf.concat([fw, bw], 1), [batch, steps, 2 * H]) as tf.Tensor3D;
  }
}

/** Flat indices that reverse each row's first `length` steps and keep the padding in place (an involution). */
export function reversalIndex(lengths: number[], steps: number): tf.Tensor1D {
  const idx = new Int32Array(lengths.length * steps);
  lengths.forEach((n, b) => {
    for (let t = 0; t < steps; t++) idx[b * steps + t] = b * steps + (t < n ? n - 1 - t : t);
  });
  return tf.tensor1d(idx, 'int32');
}
