import type { Reference } from './config.js';

/** Two-sided 95% quantiles of Student's t for 1…30 degrees of freedom (above 30: the normal's 1.96 is within 4%). */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** t(0.975, df) for whole df ≥ 1. */
export const t95 = (df: number): number => T95[df - 1] ?? 1.96;

export const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Sample standard deviation (n − 1); null below 2 values (one seed has no spread to report, not a spread of 0). */
export const std = (xs: number[]): number | null => {
  const m = mean(xs);
  return m === null || xs.length < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/**
 * The 95% prediction interval for one more run, from n ≥ 2 runs assumed normal:
 * mean ± t(0.975, n−1) · s · √(1 + 1/n). A reference measured with one seed that falls inside it is
 * what one more seed of ours could have given, so the difference says nothing about the implementations.
 */
export function predictionInterval(xs: number[]): [number, number] | null {
  const [n, m, s] = [xs.length, mean(xs), std(xs)];
  if (m === null || s === null) return null;
  const half = t95(n - 1) * s * Math.sqrt(1 + 1 / n);
  return [m - half, m + half];
}

/** How a setup compares with its reference figure. */
export interface ReferenceComparison {
  reference_f1: number;
  reference_drift: number | null;
  /** Our mean test F1 minus the reference's, as a fraction (0.01 = 1 point). */
  f1_delta: number;
  /** 95% prediction interval for one run of ours (null below 2 runs). */
  f1_interval: [number, number] | null;
  /**
   * within: |Δ| ≤ 2 points; spread: outside ±2 points but inside the interval;
   * differs: neither (the config's note, if any, says why).
   */
  verdict: 'within' | 'spread' | 'differs';
}

/** Points of F1 within which ours and the reference count as agreeing (the acceptance bar of the study). */
export const AGREE_POINTS = 2;

export function compareWithReference(f1s: number[], reference: Reference): ReferenceComparison | null {
  const m = mean(f1s);
  if (m === null) return null;
  const delta = m - reference.f1;
  const interval = predictionInterval(f1s);
  const inside = interval !== null && reference.f1 >= interval[0] && reference.f1 <= interval[1];
  return {
    reference_f1: reference.f1,
    reference_drift: reference.drift ?? null,
    f1_delta: delta,
    f1_interval: interval,
    verdict: Math.abs(delta) <= AGREE_POINTS / 100 + 1e-12 ? 'within' : inside ? 'spread' : 'differs',
  };
}
