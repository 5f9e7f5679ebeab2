import type { TrainConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { BertEncoder } from '../model/bert.js';
import { Params } from '../model/params.js';
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
 * The TF1 pitfall, reproduced on purpose: Lookahead's slow weights taken from a random
 * initialisation of the encoder instead of the loaded checkpoint, so every k steps the encoder is
 * pulled halfway back towards a random model.
 */
export function slowWeightsFromInit(tagger: Tagger, optimizer: StatefulOptimizer, cfg: TrainConfig): void {
  if (!isLookahead(optimizer)) throw new UsageError(`lookaheadSlowWeights 'init' needs a Lookahead optimizer (lookahead-*, ranger), not ${cfg.optimizer}`);
  const random = new Params();
  try {
    BertEncoder.create(random, tagger.spec.bert, tagger.spec.numLayers, new Map(), new Rng(cfg.seed + 3));
    for (const name of random.names()) optimizer.setSlowWeights(`${tagger.params.scope}/${name}`, random.get(name));
  } finally {
    random.dispose();
  }
}
