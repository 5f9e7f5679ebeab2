import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema.js';
import { makeBatch, microBatches, type Example } from '../data/batches.js';
import type { Tagger } from '../model/tagger.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';

/**
 * One optimizer step over micro-batches: each loss is weighted by its share of the batch (the
 * CRF loss is a mean over sentences, the softmax loss a mean over words), gradients are summed,
 * and they are applied only when the total loss is finite. Returns the batch loss.
 */
export function accumulatedStep(tagger: Tagger, optimizer: StatefulOptimizer, trainable: tf.Variable[], parts: Example[][], padId: number, seeds: () => number): number {
  const size = (part: Example[]) => (tagger.spec.crf ? part.length : part.reduce((n, e) => n + e.window.wordStarts.length, 0));
  const total = parts.reduce((n, p) => n + size(p), 0);
  let acc: tf.NamedTensorMap = {};
  let loss = 0;
  try {
    for (const part of parts) {
      const share = size(part) / total;
      const batch = makeBatch(part, padId);
      const { value, grads } = tf.tidy(() => tf.variableGrads(() => tf.mul(tagger.loss(batch, seeds), share) as tf.Scalar, trainable));
      loss += value.dataSync()[0]!;
      value.dispose();
      const next: tf.NamedTensorMap = {};
      for (const [name, g] of Object.entries(grads)) {
        next[name] = acc[name] ? tf.tidy(() => tf.add(acc[name]!, g)) : g;
        if (acc[name]) {
          acc[name]!.dispose();
          g.dispose();
        }
      }
      acc = next;
    }
    if (Number.isFinite(loss)) optimizer.applyGradients(acc);
    return loss;
  } finally {
    tf.dispose(Object.values(acc));
  }
}

/** One optimizer step on one batch; returns the batch loss (non-finite = nothing applied). */
export type TrainStep = (chosen: readonly Example[]) => Promise<number>;

/** What a step needs; given once the model holds its starting weights and the optimizer its state. */
export interface StepContext {
  tagger: Tagger;
  optimizer: StatefulOptimizer;
  trainable: tf.Variable[];
  padId: number;
  /** Dropout seeds; the trainer saves this generator's state with every checkpoint. */
  seeds: () => number;
  cfg: TrainConfig;
}

/** The in-process step: the batch split into micro-batches of at most cfg.maxBatchPieces pieces. */
export function localStep(ctx: StepContext): TrainStep {
  return async (chosen) => accumulatedStep(ctx.tagger, ctx.optimizer, ctx.trainable, microBatches(chosen, ctx.cfg.maxBatchPieces), ctx.padId, ctx.seeds);
}
