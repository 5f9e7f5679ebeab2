import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema.js';
import { microBatches, type Example } from '../data/batches.js';
import { accumulatedGradients, partSize } from '../model/gradients.js';
import type { Tagger } from '../model/tagger.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';

/**
 * One optimizer step over micro-batches: gradients summed over the parts (accumulatedGradients),
 * applied only when the total loss is finite. Returns the batch loss.
 */
export function accumulatedStep(tagger: Tagger, optimizer: StatefulOptimizer, trainable: tf.Variable[], parts: Example[][], padId: number, seeds: () => number): number {
  const total = parts.reduce((n, p) => n + partSize(tagger, p), 0);
  const { loss, grads } = accumulatedGradients(tagger, trainable, parts, padId, seeds, total);
  try {
    if (Number.isFinite(loss)) optimizer.applyGradients(grads);
    return loss;
  } finally {
    tf.dispose(Object.values(grads));
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
