import type { TrainConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { BertEncoder } from '../model/bert.js';
import { init, Params } from '../model/params.js';
import type { Tagger } from '../model/tagger.js';
import { isLookahead } from '../optim/lookahead.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';
import { Rng } from '../util/rng.js';

// The weights a run starts from: drift is measured against them; the Lookahead ablation replaces them.

export function encoderWeights(tagger: Tagger): Float32Array[] {
  return tagger.params.names().filter((n) => n.startsWith('bert.')).map((n) => tagger.params.get(n).dataSync() as Float32Array);
}

/** ‖a − b‖ / ‖b‖ over all tensors. */
export function relativeDistance(a: Float32Array[], b: Float32Array[]): number {
  let diff = 0;
  let norm = 0;
  b.forEach((t, k) => {
    const u = a[k]!;
    for (let i = 0; i < t.length; i++) {
      diff += (u[i]! - t[i]!) ** 2;
      norm += t[i]! ** 2;
    }
  });
  return norm === 0 ? 0 : Math.sqrt(diff / norm);
}

/**
 * The TF1 pitfall, reproduced on purpose: Lookahead's slow weights taken from somewhere random
 * instead of the loaded checkpoint, so every k steps the model is pulled α of the way back towards
 * it. 'init': the encoder's random initialisation (BERT's: matrices N(0, 0.02), LayerNorm 1/0, biases
 * 0), the head's slow weights being its own start, as when TF1 builds the slow copies from the
 * variables' initial values before `init_from_checkpoint`. 'random-matrices': every matrix,
 * encoder and head alike, from a fresh N(0, 0.02) draw and every vector from the start, the
 * definition of the PyTorch script's `--optimizer lookahead-adamw-before-load`.
 */
export function pitfallSlowWeights(tagger: Tagger, optimizer: StatefulOptimizer, cfg: TrainConfig): void {
  if (!isLookahead(optimizer)) {
    throw new UsageError(`lookaheadSlowWeights '${cfg.lookaheadSlowWeights}' needs a Lookahead optimizer (lookahead-*, ranger), not ${cfg.optimizer}`);
  }
  const rng = new Rng(cfg.seed + 3);
  const random = new Params();
  try {
    if (cfg.lookaheadSlowWeights === 'init') {
      BertEncoder.create(random, tagger.spec.bert, tagger.spec.numLayers, new Map(), rng);
    } else {
      // Vectors are left out: Lookahead copies them from the start at the first step.
      for (const name of tagger.params.names()) {
        const shape = tagger.params.get(name).shape;
        if (shape.length > 1) random.add(name, init.normal(shape, rng));
      }
    }
    for (const name of random.names()) optimizer.setSlowWeights(`${tagger.params.scope}/${name}`, random.get(name));
  } finally {
    random.dispose();
  }
}
