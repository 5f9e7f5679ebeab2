import type { TransitionMask } from '../data/constraints.js';
import { checkDecodeInputs } from './crf-inputs.js';

/**
 * The CRF's dynamic programs on host arrays in float64 (pytorch-crf parameterisation): the exact
 * log-likelihood gradient, Viterbi decoding and per-step marginals. None needs autodiff.
 */
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
  checkDecodeInputs(emissions, p.start.length, mask);
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
  checkDecodeInputs(emissions, p.start.length);
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

/**
 * log p(y|x) of one sequence and its gradient: ∂/∂emit[t,k] = 1[yₜ=k] − p(yₜ=k),
 * ∂/∂trans[i,j] = #gold(i→j) − Σₜ p(yₜ₋₁=i, yₜ=j), likewise start and end (float64).
 */
export function sequenceGradient(em: ArrayLike<number>[], y: number[], p: CrfHostParams) {
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

