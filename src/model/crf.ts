import * as tf from '@tensorflow/tfjs';
import type { TransitionMask } from '../data/constraints.js';
import type { Rng } from '../util/rng.js';
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
    return crfLogLikelihood(emissions, this.transitions, this.start, this.end, tags, lengths);
  }

  /** Mean negative log-likelihood over the batch (the training loss). */
  loss(emissions: tf.Tensor3D, tags: number[][], lengths: number[]): tf.Scalar {
    return tf.neg(tf.mean(this.logLikelihood(emissions, tags, lengths))) as tf.Scalar;
  }

  /** score(y) of the given tags: [batch]. */
  goldScore(emissions: tf.Tensor3D, tags: number[][], lengths: number[]): tf.Tensor1D {
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

/**
 * log p(y|x) of one sequence and its gradient: ∂/∂emit[t,k] = 1[yₜ=k] − p(yₜ=k),
 * ∂/∂trans[i,j] = #gold(i→j) − Σₜ p(yₜ₋₁=i, yₜ=j), likewise start and end (float64).
 */
function sequenceGradient(em: ArrayLike<number>[], y: number[], p: CrfHostParams) {
  const T = em.length;
  const K = p.start.length;
  const gE = new Float64Array(T * K);
  const gTr = new Float64Array(K * K);
  const gSt = new Float64Array(K);
  const gEn = new Float64Array(K);
  if (T === 0) return { llh: 0, gE, gTr, gSt, gEn };
  const alpha: Float64Array[] = [Float64Array.from(p.start, (s, k) => s + em[0]![k]!)];
  for (let t = 1; t < T; t++) {
    const a = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      let m = -Infinity;
      for (let i = 0; i < K; i++) m = Math.max(m, alpha[t - 1]![i]! + p.transitions[i]![j]!);
      let s = 0;
      for (let i = 0; i < K; i++) s += Math.exp(alpha[t - 1]![i]! + p.transitions[i]![j]! - m);
      a[j] = m + Math.log(s) + em[t]![j]!;
    }
    alpha.push(a);
  }
  const beta: Float64Array[] = new Array(T);
  beta[T - 1] = Float64Array.from(p.end);
  for (let t = T - 2; t >= 0; t--) {
    const bt = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      let m = -Infinity;
      for (let j = 0; j < K; j++) m = Math.max(m, p.transitions[i]![j]! + em[t + 1]![j]! + beta[t + 1]![j]!);
      let s = 0;
      for (let j = 0; j < K; j++) s += Math.exp(p.transitions[i]![j]! + em[t + 1]![j]! + beta[t + 1]![j]! - m);
      bt[i] = m + Math.log(s);
    }
    beta[t] = bt;
  }
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, alpha[T - 1]![k]! + p.end[k]!);
  let z = 0;
  for (let k = 0; k < K; k++) z += Math.exp(alpha[T - 1]![k]! + p.end[k]! - m);
  const logZ = m + Math.log(z);
  let gold = p.start[y[0]!]! + p.end[y[T - 1]!]!;
  for (let t = 0; t < T; t++) gold += em[t]![y[t]!]! + (t > 0 ? p.transitions[y[t - 1]!]![y[t]!]! : 0);
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < K; k++) gE[t * K + k] = (y[t] === k ? 1 : 0) - Math.exp(alpha[t]![k]! + beta[t]![k]! - logZ);
    if (t > 0) {
      for (let i = 0; i < K; i++) {
        for (let j = 0; j < K; j++) gTr[i * K + j] -= Math.exp(alpha[t - 1]![i]! + p.transitions[i]![j]! + em[t]![j]! + beta[t]![j]! - logZ);
      }
      gTr[y[t - 1]! * K + y[t]!] += 1;
    }
  }
  for (let k = 0; k < K; k++) {
    gSt[k] = (y[0] === k ? 1 : 0) - Math.exp(alpha[0]![k]! + beta[0]![k]! - logZ);
    gEn[k] = (y[T - 1] === k ? 1 : 0) - Math.exp(alpha[T - 1]![k]! + p.end[k]! - logZ);
  }
  return { llh: gold - logZ, gE, gTr, gSt, gEn };
}

export interface CrfHostParams {
  transitions: number[][];
  start: number[];
  end: number[];
}

/**
 * The best tag sequence and its score for one sequence of emissions [length][K]. With `mask`,
 * transitions it forbids are never taken (they score −∞).
 */
export function viterbi(emissions: ArrayLike<number>[], p: CrfHostParams, mask?: TransitionMask): { path: number[]; score: number } {
  const T = emissions.length;
  if (T === 0) return { path: [], score: 0 };
  const K = p.start.length;
  const trans = p.transitions.map((row, i) => row.map((v, j) => (mask && !mask.allowed[i]![j] ? -Infinity : v)));
  let score = p.start.map((s, k) => (mask && !mask.start[k] ? -Infinity : s + emissions[0]![k]!));
  const back: Int32Array[] = [];
  for (let t = 1; t < T; t++) {
    const next = new Array<number>(K);
    const from = new Int32Array(K);
    for (let j = 0; j < K; j++) {
      let best = -Infinity;
      let arg = 0;
      for (let i = 0; i < K; i++) {
        const v = score[i]! + trans[i]![j]!;
        if (v > best) (best = v), (arg = i);
      }
      next[j] = best + emissions[t]![j]!;
      from[j] = arg;
    }
    back.push(from);
    score = next;
  }
  let best = -Infinity;
  let last = 0;
  for (let k = 0; k < K; k++) {
    const v = score[k]! + (mask && !mask.end[k] ? -Infinity : p.end[k]!);
    if (v > best) (best = v), (last = k);
  }
  const path = [last];
  for (let t = T - 2; t >= 0; t--) path.push(back[t]![path[path.length - 1]!]!);
  return { path: path.reverse(), score: best };
}

const lse = (xs: number[]) => {
  const m = Math.max(...xs);
  return m === -Infinity ? -Infinity : m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

/** Per-step marginals p(yₜ = k | x) by forward–backward: [length][K]; each row sums to 1. */
export function marginals(emissions: ArrayLike<number>[], p: CrfHostParams): number[][] {
  const T = emissions.length;
  const K = p.start.length;
  if (T === 0) return [];
  const alpha: number[][] = [p.start.map((s, k) => s + emissions[0]![k]!)];
  for (let t = 1; t < T; t++) {
    alpha.push(Array.from({ length: K }, (_, j) => lse(alpha[t - 1]!.map((a, i) => a + p.transitions[i]![j]!)) + emissions[t]![j]!));
  }
  const beta: number[][] = new Array(T);
  beta[T - 1] = [...p.end];
  for (let t = T - 2; t >= 0; t--) {
    beta[t] = Array.from({ length: K }, (_, i) => lse(p.transitions[i]!.map((tr, j) => tr + emissions[t + 1]![j]! + beta[t + 1]![j]!)));
  }
  const logZ = lse(alpha[T - 1]!.map((a, k) => a + p.end[k]!));
  return alpha.map((row, t) => row.map((a, k) => Math.exp(a + beta[t]![k]! - logZ)));
}
