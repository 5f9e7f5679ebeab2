import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { LSTM_BACKWARD, LSTM_FORWARD } from '../kernels/lstm.js';
import { mm } from './ops.js';
import { init, type HeadInit, type Params } from './params.js';

/**
 * Bidirectional LSTM over right-padded batches. Gate order i, f, g, o (PyTorch); init
 * U(−1/√H, 1/√H) as nn.LSTM. The backward direction reads each sequence reversed *within its
 * own length*, so padding never enters either direction's valid steps; outputs at padded steps
 * are left as they fall (the CRF masks them).
 *
 * Both directions advance together: state [batch, 2H] = forward ‖ backward, and one 2-D product
 * with a block-diagonal recurrent matrix per step, columns grouped by gate (i_f i_b f_f f_b …), so
 * each gate is one slice for both directions. (Batched rank-3 products are several times slower
 * than 2-D ones on tfjs-wasm.)
 */
export class BiLSTM {
  constructor(
    private readonly params: Params,
    readonly inputSize: number,
    readonly hidden: number,
  ) {}

  /** `headInit` 'torch' starts each bias as nn.LSTM's b_ih + b_hh (two draws), 'bert' as one. */
  static create(params: Params, inputSize: number, hidden: number, rng: Rng, headInit: HeadInit = 'torch'): BiLSTM {
    const k = 1 / Math.sqrt(hidden);
    for (const dir of ['forward', 'backward']) {
      params.add(`lstm.${dir}.kernel`, init.uniform([inputSize, 4 * hidden], rng, k));
      params.add(`lstm.${dir}.recurrent_kernel`, init.uniform([hidden, 4 * hidden], rng, k));
      params.add(`lstm.${dir}.bias`, headInit === 'torch' ? init.uniformPair([4 * hidden], rng, k) : init.uniform([4 * hidden], rng, k));
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
    const byGate = (t: tf.Tensor, rows: number) => tf.reshape(t, [rows, 4, 1, H]); // [rows, gate, 1, H]
    // Input projections of both directions, interleaved by gate: [batch·steps, 4, 2, H].
    const pf = byGate(tf.add(mm(flat, p('forward.kernel')), p('forward.bias')), batch * steps);
    const pb = byGate(tf.add(mm(tf.gather(flat, reverse), p('backward.kernel')), p('backward.bias')), batch * steps);
    const proj = tf.reshape(tf.concat([pf, pb], 2), [batch, steps, 8 * H]) as tf.Tensor3D; // [batch, steps, 8H]
    // Block-diagonal recurrent matrix [2H, 8H]: rows of h_f feed only forward gates, h_b only backward ones.
    const zeros = tf.zeros([H, 4, 1, H]);
    const uf = tf.reshape(p('forward.recurrent_kernel'), [H, 4, 1, H]);
    const ub = tf.reshape(p('backward.recurrent_kernel'), [H, 4, 1, H]);
    const U = tf.reshape(tf.concat([tf.concat([uf, zeros], 2), tf.concat([zeros, ub], 2)], 0), [2 * H, 8 * H]) as tf.Tensor2D; // [2H, 8H]
    const hs = (tf.getKernel(LSTM_FORWARD, tf.getBackend()) ? nativeLstmSequence : lstmSequence)(proj, U); // [batch, steps, 2H]
    const seq = tf.reshape(hs, [batch * steps, 2 * H]); // [batch·steps, 2H]
    const [fw, bwReversed] = tf.split(seq, 2, 1); // 2 × [batch·steps, H]
    const bw = tf.gather(bwReversed!, reverse); // [batch·steps, H]
    return tf.reshape(tf.concat([fw!, bw], 1), [batch, steps, 2 * H]) as tf.Tensor3D;
  }
}

/**
 * The recurrence h, c over a sequence of gate pre-activations, as one op with a hand-written
 * backpropagation through time: per step only [batch, 8H]-sized work, and the recurrent weight's
 * gradient as a single product Σₜ hₜ₋₁ᵀ·dGₜ at the end (the tape would add a [2H, 8H] product per
 * step). proj [batch, steps, 8H] gate-grouped (i f g o, each [fw ‖ bw]); U [2H, 8H].
 */
export const lstmSequence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [proj, U, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.GradSaveFunc];
  const [batch, steps, G] = proj.shape;
  const H2 = G / 4;
  // Per-step, per-gate inputs cut on the host: tfjs-wasm slices cost ~2 ms each (157 ms for a
  // 70-step unstack), a host copy of the whole sequence a few ms.
  const x = hostSteps(proj.dataSync() as Float32Array, batch, steps, G, 4); // steps × 4 × [batch, 2H]
  const Us = tf.split(U, 4, 1) as tf.Tensor2D[]; // 4 × [2H, 2H] (i f g o)
  let h: tf.Tensor = tf.zeros([batch, H2]); // [batch, 2H]
  let c: tf.Tensor = tf.zeros([batch, H2]); // [batch, 2H]
  const hPrev: tf.Tensor[] = [];
  const saved: tf.Tensor[] = [];
  const outputs: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    hPrev.push(h);
    const pre = (k: number) => tf.add(x[t]![k]!, tf.matMul(h, Us[k]!)); // [batch, 2H]
    const i = tf.sigmoid(pre(0));
    const f = tf.sigmoid(pre(1));
    const g = tf.tanh(pre(2));
    const o = tf.sigmoid(pre(3));
    const cPrev = c;
    c = tf.add(tf.mul(f, cPrev), tf.mul(i, g)); // [batch, 2H]
    const tc = tf.tanh(c); // [batch, 2H]
    h = tf.mul(o, tc); // [batch, 2H]
    saved.push(i, f, g, o, cPrev, tc);
    outputs.push(h);
  }
  const hsPrev = tf.reshape(tf.stack(hPrev, 1), [batch * steps, H2]); // [batch·steps, 2H]
  save([U, hsPrev, ...saved]);
  return {
    value: tf.stack(outputs, 1), // [batch, steps, 2H]
    gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => {
      const [u, prev, ...perStep] = kept as [tf.Tensor2D, tf.Tensor2D, ...tf.Tensor[]];
      const uT = tf.transpose(u); // [8H, 2H]
      const dys = hostSteps((dy as tf.Tensor).dataSync() as Float32Array, batch, steps, H2, 1); // steps × 1 × [batch, 2H]
      let dhNext: tf.Tensor = tf.zeros([batch, H2]);
      let dcNext: tf.Tensor = tf.zeros([batch, H2]);
      const dGates: tf.Tensor[] = new Array(steps);
      for (let t = steps - 1; t >= 0; t--) {
        const [i, f, g, o, cPrev, tc] = perStep.slice(6 * t, 6 * t + 6) as tf.Tensor[];
        const dh = tf.add(dys[t]![0]!, dhNext); // [batch, 2H]
        const dc = tf.add(tf.mul(tf.mul(dh, o!), tf.sub(1, tf.square(tc!))), dcNext); // [batch, 2H]
        const dgi = tf.mul(tf.mul(dc, g!), tf.mul(i!, tf.sub(1, i!)));
        const dgf = tf.mul(tf.mul(dc, cPrev!), tf.mul(f!, tf.sub(1, f!)));
        const dgg = tf.mul(tf.mul(dc, i!), tf.sub(1, tf.square(g!)));
        const dgo = tf.mul(tf.mul(dh, tc!), tf.mul(o!, tf.sub(1, o!)));
        const dG = tf.concat([dgi, dgf, dgg, dgo], 1); // [batch, 8H]
        dGates[t] = dG;
        dcNext = tf.mul(dc, f!);
        dhNext = tf.matMul(dG, uT); // [batch, 2H]
      }
      const dProj = tf.stack(dGates, 1); // [batch, steps, 8H]
      const dU = tf.matMul(tf.transpose(prev), tf.reshape(dProj, [batch * steps, G])); // [2H, 8H]
      return [dProj, dU];
    },
  };
}) as unknown as (proj: tf.Tensor3D, U: tf.Tensor2D) => tf.Tensor3D;

/** lstmSequence on the native kernels (kernels/lstm.ts): same mathematics, two kernel calls. */
export const nativeLstmSequence = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [proj, U, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.GradSaveFunc];
  const [hs, gates, cprev, tc, hprev] = tf.engine().runKernel(LSTM_FORWARD, { proj, U }, {}) as tf.Tensor[]; // [batch, steps, 2H], [batch, steps, 8H], 3 × [batch, steps, 2H]
  save([gates!, cprev!, tc!, hprev!, U]);
  return {
    value: hs!,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]) => {
      const [g, c, t, h, u] = kept as tf.Tensor[];
      return tf.engine().runKernel(LSTM_BACKWARD, { dy: dy as tf.Tensor, gates: g!, cprev: c!, tc: t!, hprev: h!, U: u! }, {}) as tf.Tensor[]; // dproj [batch, steps, 8H], dU [2H, 8H]
    },
  };
}) as unknown as (proj: tf.Tensor3D, U: tf.Tensor2D) => tf.Tensor3D;

/** data [batch, steps, width] → steps × parts × tensor [batch, width/parts], copied on the host. */
function hostSteps(data: Float32Array, batch: number, steps: number, width: number, parts: number): tf.Tensor2D[][] {
  const w = width / parts;
  return Array.from({ length: steps }, (_, t) =>
    Array.from({ length: parts }, (_, k) => {
      const out = new Float32Array(batch * w);
      for (let b = 0; b < batch; b++) out.set(data.subarray((b * steps + t) * width + k * w, (b * steps + t) * width + (k + 1) * w), b * w);
      return tf.tensor2d(out, [batch, w]);
    }),
  );
}

/** Flat indices that reverse each row's first `length` steps and keep the padding in place (an involution). */
export function reversalIndex(lengths: number[], steps: number): tf.Tensor1D {
  const idx = new Int32Array(lengths.length * steps);
  lengths.forEach((n, b) => {
    for (let t = 0; t < steps; t++) idx[b * steps + t] = b * steps + (t < n ? n - 1 - t : t);
  });
  return tf.tensor1d(idx, 'int32');
}
