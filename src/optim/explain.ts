import type { SlowWeights } from './lookahead.js';
import { rectifiedShare } from './rectification.js';

/**
 * Why an optimizer can fall short when fine-tuning in a fixed step budget: the mechanism
 * paragraphs `ner compare`'s report prints for a setup below the best. Each registry entry's
 * `explain()` picks its own, so adding an optimizer is its file plus one registry row.
 */
export interface ExplainContext {
  /** Where Lookahead's slow weights start (config lookaheadSlowWeights): anything but 'start' is the TF1-pitfall ablation. */
  slowWeights: SlowWeights;
  /** Optimizer steps its runs took, when known: the mechanism is then quantified over that budget. */
  steps?: number;
}

/** The options the optimizer ran with (registry defaults under the setup's own). */
export type ExplainOptions = Record<string, unknown>;

/** How much larger BERT's uncorrected Adam update is than bias-corrected Adam's at step t. */
const uncorrected = (t: number, b1: number, b2: number) => ((1 - b1 ** t) / Math.sqrt(1 - b2 ** t)).toFixed(2);

export function explainBertAdamW(o: ExplainOptions): string[] {
  const [b1, b2] = [Number(o.beta1), Number(o.beta2)];
  return [
    `BERT's AdamWeightDecayOptimizer has no bias correction: its update m/√v is (1 − β1^t)/√(1 − β2^t) times Adam's, which with β ${b1}/${b2} is ${uncorrected(1, b1, b2)}× at step 1, ${uncorrected(100, b1, b2)}× at step 100 and still ${uncorrected(1000, b1, b2)}× at step 1000. Warmup exists to absorb that; with few steps or a high head lr the early updates overshoot (look for a training loss that rises during warmup in curves.svg).`,
  ];
}

export const explainAdamL2 = (): string[] => ["Adam with L2: the decay is added to the gradient and then rescaled by Adam's denominator, so it acts unevenly across weights (what AdamW was introduced to fix)."];

export function explainRAdam(o: ExplainOptions = {}, ctx: Partial<ExplainContext> = {}): string[] {
  const general = 'RAdam: while the variance estimate is not yet tractable (ρt below 5, the first steps with β2 = 0.999) it takes SGD-with-momentum steps of size lr·m (or none at all without its SGD phase); afterwards the rectification factor stays well below 1 for hundreds of steps. At a fine-tuning learning rate that leaves the model near its starting point.';
  const b2 = Number(o.beta2 ?? 0.999);
  if (!ctx.steps || ctx.steps < 10 || !(b2 > 0 && b2 < 1)) return [general];
  const n = ctx.steps;
  const at = (t: number) => `${rectifiedShare(t, b2).toFixed(2)}× at step ${t}`;
  const mean = Array.from({ length: n }, (_, i) => rectifiedShare(i + 1, b2)).reduce((a, b) => a + b, 0) / n;
  const points = [...new Set([Math.min(100, Math.round(n / 4)), Math.round(n / 2)])].map(at).join(', ');
  return [`${general} Over this run's ${n} steps (β2 ${b2}) its rectified step is bias-corrected Adam's times ${points} and ${rectifiedShare(n, b2).toFixed(2)}× at the last step: ${mean.toFixed(2)}× on average, before any Lookahead on top.`];
}


/** Lookahead's own paragraph; `onRAdam`: its inner optimizer is RAdam, whose paragraph follows. */
export function explainLookahead(o: ExplainOptions, ctx: ExplainContext, onRAdam: boolean): string[] {
  if (ctx.slowWeights !== 'start') {
    const [from, pulled] = ctx.slowWeights === 'init' ? ["the encoder's random initialisation", 'the encoder is'] : ["a random N(0, 0.02) draw for every weight matrix, the head's included", 'the encoder and the head are'];
    return [
      `Cause: Lookahead took its slow weights from ${from}, not from the loaded checkpoint (the TF1 pitfall of building the optimizer before \`init_from_checkpoint\`): at the first synchronisation ${pulled} pulled α = ${o.alpha} of the way to a random model, and since the fast weights restart from the slow ones at every sync, that random share is carried to the end, whatever is learnt on top. How much F1 it costs depends on how much the pretraining is worth to the task.`,
    ];
  }
  // Zhang et al. (2019), Alg. 1: φ ← φ + α(θ_k − φ), then θ ← φ; along a steady direction the slow weights make α of the fast weights' progress.
  const budget = ctx.steps ? ` for all of this run's ${ctx.steps} steps` : '';
  return [`Cause: Lookahead moves the weights only α = ${o.alpha} of the way to where the inner optimizer went every k = ${o.k} steps: along a steady descent direction that is ${o.alpha}× its progress, as if the learning rate were ${o.alpha}× as large${budget}${onRAdam ? '; stacked on RAdam, whose early steps are small (below)' : ''}.`];
}
