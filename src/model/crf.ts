import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { sequenceGradient, type CrfHostParams } from './crf-host.js';
import { checkSequenceInputs } from './crf-inputs.js';
import { steps as unstackSteps } from './ops.js';
import { init, type Params } from './params.js';

/**
 * Linear-chain CRF in the pytorch-crf parameterisation: transitions[from][to] plus start and end
 * transitions. score(y) = start[y₀] + Σₜ emit[t, yₜ] + Σₜ trans[yₜ₋₁, yₜ] + end[y_last];
 * log p(y|x) = score(y) − log Z (forward algorithm). Sequences are right-padded: `lengths` says how
 * many steps each has. Loss and gradients run as tf ops; Viterbi and marginals need no gradient
 * and run on host arrays in float64.
 */
export class CRF {
  constructor(
    private readonly params: Params,
    readonly numTags: number,
  ) {}

  static create(params: Params, numTags: number, rng: Rng): CRF {
    // pytorch-crf: uniform(-0.1, 0.1)
    params.add('crf.transitions', init.uniform([numTags, numTags], rng, 0.1));
    params.add('crf.start_transitions', init.uniform([numTags], rng, 0.1));
    params.add('crf.end_transitions', init.uniform([numTags], rng, 0.1));
    return new CRF(params, numTags);
  }

  get transitions(): tf.Variable {
    return this.params.get('crf.transitions');
  }
  get start(): tf.Variable {
    return this.params.get('crf.start_transitions');
  }
  get end(): tf.Variable {
    return this.params.get('crf.end_transitions');
  }

  /**
   * log p(tags | emissions) of each sequence: [batch]. Padded tags are ignored; a length-0
   * sequence scores 0. Computed on the host in float64 with an exact gradient (gold counts minus
   * expected counts from forward–backward marginals), instead of recording the forward algorithm's
   * ~10 small ops per step on the tape; `goldScore` and `logPartition` below are the same
   * quantities as tf ops, kept as the reference the tests compare against.
   */
  logLikelihood(emissions: tf.Tensor3D, tags: number[][], lengths: number[]): tf.Tensor1D {
    checkSequenceInputs(emissions.shape, this.numTags, lengths, tags);
    return crfLogLikelihood(emissions, this.transitions, this.start, this.end, tags, lengths);
  }

  /** Mean negative log-likelihood over the batch (the training loss). */
  loss(emissions: tf.Tensor3D, tags: number[][], lengths: number[]): tf.Scalar {
    return tf.neg(tf.mean(this.logLikelihood(emissions, tags, lengths))) as tf.Scalar;
  }

  /** score(y) of the given tags: [batch]. */
  goldScore(emissions: tf.Tensor3D, tags: number[][], lengths: number[]): tf.Tensor1D {
    checkSequenceInputs(emissions.shape, this.numTags, lengths, tags);
    const [batch, steps, K] = emissions.shape;
    const tagAt = (b: number, t: number) => (t < lengths[b]! ? tags[b]![t]! : 0);
    const stepMask = lengths.map((n) => Array.from({ length: steps }, (_, t) => (t < n ? 1 : 0)));
    const mask = tf.tensor2d(stepMask, [batch, steps], 'float32'); // [batch, steps]
    const y = tf.tensor2d(lengths.map((_, b) => Array.from({ length: steps }, (_, t) => tagAt(b, t))), [batch, steps], 'int32'); // [batch, steps]
    const emit = tf.sum(tf.mul(tf.sum(tf.mul(emissions, tf.oneHot(y, K)), 2), mask), 1); // [batch]
    const has = tf.tensor1d(lengths.map((n) => (n > 0 ? 1 : 0)), 'float32'); // [batch]
    const first = tf.tensor1d(lengths.map((_, b) => tagAt(b, 0)), 'int32'); // [batch]
    const last = tf.tensor1d(lengths.map((n, b) => tagAt(b, Math.max(0, n - 1))), 'int32'); // [batch]
    const ends = tf.mul(tf.add(tf.gather(this.start, first), tf.gather(this.end, last)), has); // [batch]
    if (steps < 2) return tf.add(emit, ends) as tf.Tensor1D;
    const pairs = tf.tensor2d(
      lengths.map((_, b) => Array.from({ length: steps - 1 }, (_, t) => tagAt(b, t) * K + tagAt(b, t + 1))),
      [batch, steps - 1],
      'int32',
    ); // [batch, steps-1]
    const trans = tf.gather(tf.reshape(this.transitions, [K * K]), pairs); // [batch, steps-1]
    const transScore = tf.sum(tf.mul(trans, tf.slice(mask, [0, 1], [batch, steps - 1])), 1); // [batch]
    return tf.add(tf.add(emit, ends), transScore) as tf.Tensor1D;
  }

  /** log Z by the forward algorithm: [batch]. */
  logPartition(emissions: tf.Tensor3D, lengths: number[]): tf.Tensor1D {
    checkSequenceInputs(emissions.shape, this.numTags, lengths);
    const [batch, steps, K] = emissions.shape;
    const emit = unstackSteps(emissions, 1); // steps × [batch, K]
    let alpha = tf.add(this.start, emit[0]!); // [batch, K]
    const trans = tf.expandDims(this.transitions, 0); // [1, K, K]
    for (let t = 1; t < steps; t++) {
      const live = tf.tensor2d(lengths.map((n) => [t < n ? 1 : 0]), [batch, 1], 'bool'); // [batch, 1]
      const scores = tf.add(tf.add(tf.expandDims(alpha, 2), trans), tf.expandDims(emit[t]!, 1)); // [batch, K, K]
      alpha = tf.where(live, tf.logSumExp(scores, 1), alpha); // [batch, K]
    }
    const logZ = tf.logSumExp(tf.add(alpha, this.end), 1); // [batch]
    return tf.mul(logZ, tf.tensor1d(lengths.map((n) => (n > 0 ? 1 : 0)), 'float32')) as tf.Tensor1D;
  }

  /** Host copies of the parameters, for decoding. */
  hostParams(): CrfHostParams {
    return {
      transitions: this.transitions.arraySync() as number[][],
      start: this.start.arraySync() as number[],
      end: this.end.arraySync() as number[],
    };
  }
}

/** The CRF log-likelihood as one custom op: value and gradient from host-side dynamic programming. */
function crfLogLikelihood(emissions: tf.Tensor3D, transitions: tf.Tensor, start: tf.Tensor, end: tf.Tensor, tags: number[][], lengths: number[]): tf.Tensor1D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [e, tr, st, en] = args as tf.Tensor[];
    const [B, T, K] = e!.shape as [number, number, number];
    const em = e!.dataSync();
    const p: CrfHostParams = { transitions: tr!.arraySync() as number[][], start: Array.from(st!.dataSync()), end: Array.from(en!.dataSync()) };
    const llh = new Float32Array(B);
    const dE = new Float32Array(B * T * K);
    const dTr = new Float64Array(K * K);
    const dSt = new Float64Array(K);
    const dEn = new Float64Array(K);
    const perSeq: { gE: Float64Array; gTr: Float64Array; gSt: Float64Array; gEn: Float64Array }[] = [];
    for (let b = 0; b < B; b++) {
      const n = lengths[b]!;
      const rows = Array.from({ length: n }, (_, t) => em.subarray((b * T + t) * K, (b * T + t + 1) * K));
      const g = sequenceGradient(rows, tags[b]!.slice(0, n), p);
      llh[b] = g.llh;
      perSeq.push(g);
    }
    return {
      value: tf.tensor1d(llh),
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const w = (dy as tf.Tensor).dataSync();
        perSeq.forEach((g, b) => {
          const s = w[b]!;
          for (let i = 0; i < g.gE.length; i++) dE[b * T * K + i] = s * g.gE[i]!;
          for (let i = 0; i < K * K; i++) dTr[i] += s * g.gTr[i]!;
          for (let i = 0; i < K; i++) (dSt[i] += s * g.gSt[i]!), (dEn[i] += s * g.gEn[i]!);
        });
        return [tf.tensor3d(dE, [B, T, K]), tf.tensor2d(Float32Array.from(dTr), [K, K]), tf.tensor1d(Float32Array.from(dSt)), tf.tensor1d(Float32Array.from(dEn))];
      },
    };
  }) as unknown as (...args: tf.Tensor[]) => tf.Tensor;
  return op(emissions, transitions, start, end) as tf.Tensor1D;
}


export { marginals, viterbi, type CrfHostParams } from './crf-host.js';
