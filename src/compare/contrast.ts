import { t95 } from './reference.js';
import type { SetupSummary } from './report.js';

/**
 * Seeds a setup gets when two leave one of its differences open (the study's rule: two seeds
 * each, a third where two do not settle a comparison). Past three the interval narrows only as
 * √(1/n₁ + 1/n₂) (1.00, 0.82, 0.71 times the spread at two, three, four seeds a side), so a
 * difference still open at three is within the seeds' noise.
 */
export const SEEDS_TO_SETTLE = 3;

/** Why a difference between two setups is one the study reads. */
export type ContrastKind = 'best' | 'control' | 'neighbour';

/** The difference of two setups' mean test F1, with the uncertainty their seeds leave. */
export interface Contrast {
  /** The higher-ranked setup (mean test F1 of `higher` − `lower` ≥ 0). */
  higher: string;
  lower: string;
  /** best: the lower one against the best setup; control: an ablation against its control; neighbour: next to each other in the ranking. */
  kind: ContrastKind;
  /** Difference of the means, as a fraction (0.01 = 1 point). */
  delta: number;
  /** 95% confidence interval of the difference (from the pooled spread); null while no setup has 2 seeds. */
  interval: [number, number] | null;
  seeds: [number, number];
  /** settled: the interval excludes 0, so the seeds order the two; open: it does not, or there is no spread yet. */
  verdict: 'settled' | 'open';
}

/** The seed-to-seed spread of test F1 pooled over every setup with 2 or more seeds. */
export interface PooledSpread {
  /** √(Σᵢ (nᵢ − 1)·sᵢ² / Σᵢ (nᵢ − 1)), as a fraction. */
  sd: number;
  /** Σᵢ (nᵢ − 1): the degrees of freedom it rests on. */
  df: number;
}

/**
 * One-way ANOVA's error term. The setups share data, model, protocol and seeds, so the spread
 * between seeds is the protocol's more than the optimizer's; pooled, it rests on every run of the
 * grid, where one setup's two seeds give a standard deviation that is itself uncertain by a
 * factor of several (and a t of 12.7 for Welch's ν ≈ 1). Null while no setup has two seeds.
 */
export function pooledSpread(summaries: SetupSummary[]): PooledSpread | null {
  const sides = summaries.filter((s) => s.f1_std !== null && s.finished >= 2);
  const df = sides.reduce((a, s) => a + s.finished - 1, 0);
  if (df === 0) return null;
  return { sd: Math.sqrt(sides.reduce((a, s) => a + (s.finished - 1) * s.f1_std! ** 2, 0) / df), df };
}

/**
 * The difference of two setups' means with its 95% confidence interval from the pooled spread
 * (Fisher's least significant difference): Δ ± t(0.975, df)·s_p·√(1/n₁ + 1/n₂). A setup with one
 * seed gets an interval too, wider by its √(1/n).
 */
export function contrast(higher: SetupSummary, lower: SetupSummary, kind: ContrastKind, pooled: PooledSpread | null): Contrast {
  const delta = higher.f1_mean! - lower.f1_mean!;
  const seeds: [number, number] = [higher.finished, lower.finished];
  const base = { higher: higher.setup, lower: lower.setup, kind, delta, seeds };
  if (pooled === null) return { ...base, interval: null, verdict: 'open' };
  const half = t95(pooled.df) * pooled.sd * Math.sqrt(1 / seeds[0] + 1 / seeds[1]);
  const interval: [number, number] = [delta - half, delta + half];
  return { ...base, interval, verdict: interval[0] > 0 ? 'settled' : 'open' };
}

/** The setups in an open contrast with fewer than `target` seeds: where one more seed is run. */
export function needingSeeds(contrasts: Contrast[], target = SEEDS_TO_SETTLE): string[] {
  const seeds = new Map<string, number>();
  for (const c of contrasts.filter((x) => x.verdict === 'open')) {
    seeds.set(c.higher, c.seeds[0]);
    seeds.set(c.lower, c.seeds[1]);
  }
  return [...seeds].filter(([, n]) => n < target).map(([name]) => name);
}

const points = (x: number) => (100 * x).toFixed(1);
const KIND: Record<ContrastKind, string> = { best: 'against the best', control: 'ablation against its control', neighbour: 'next in the ranking' };

/** report.md's section: each difference the study reads, and whether its seeds settle it. */
export function contrastSection(contrasts: Contrast[], pooled: PooledSpread | null, target = SEEDS_TO_SETTLE): string {
  if (contrasts.length === 0) return '';
  const spread = pooled ? `The seed-to-seed spread, pooled over every setup (one-way ANOVA's error term), is ${points(pooled.sd)} points on ${pooled.df} degrees of freedom` : 'No setup has two seeds yet, so there is no spread to judge a difference by';
  let md = `\n## Which differences the seeds settle\n\n${spread}. Δ: the higher setup's mean test F1 minus the lower's, in points, with its 95% confidence interval Δ ± t·s·√(1/n₁ + 1/n₂). Settled: the interval excludes 0. Open: it does not.\n\n`;
  md += `| higher | lower | read as | Δ | 95% interval | seeds | verdict |\n|---|---|---|---|---|---|---|\n`;
  for (const c of contrasts) {
    const interval = c.interval ? `${points(c.interval[0])} to ${points(c.interval[1])}` : '–';
    md += `| ${c.higher} | ${c.lower} | ${KIND[c.kind]} | ${points(c.delta)} | ${interval} | ${c.seeds.join(' vs ')} | ${c.verdict} |\n`;
  }
  const more = needingSeeds(contrasts, target);
  const open = contrasts.filter((c) => c.verdict === 'open');
  const noise = open.filter((c) => Math.min(...c.seeds) >= target).length;
  if (open.length === 0) return md + `\nEvery difference above is settled by the seeds run.\n`;
  md += `\n${open.length} of ${contrasts.length} open.`;
  if (more.length) md += ` To settle them, give ${more.join(', ')} ${target} seeds (their \`"seeds"\` in the config) and rerun the grid: finished seeds are skipped.`;
  if (noise) md += ` ${noise} ${noise === 1 ? 'is' : 'are'} open with ${target} seeds a side: within the seeds' noise, so read ${noise === 1 ? 'that pair' : 'those pairs'} as tied.`;
  return md + '\n';
}
