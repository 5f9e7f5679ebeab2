import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config/schema.js';
import { makeBatch, microBatches, type Example } from '../data/batches.js';
import type { Tagger } from '../model/tagger.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';

/** What a part of a batch counts for: sentences under the CRF loss (a mean over sentences), words under softmax (a mean over words). */
export function partSize(tagger: Tagger, part: readonly Example[]): number {
  return tagger.spec.crf ? part.length : part.reduce((n, e) => n + e.window.wordStarts.length, 0);
}

export interface Gradients {
  /** Sum of the parts' weighted losses. */
  loss: number;
  /** Summed gradients by variable name (the caller disposes them). */
  grads: tf.NamedTensorMap;
}

/**
 * Gradients of micro-batches of one batch: each loss is weighted by its part's share of `total`
 * (the whole batch's size, which may span other replicas' parts) and the gradients are summed in
 * order. Returns plain numbers and tensors only (see docs/notes.md on tidy and typed arrays).
 */
export function accumulatedGradients(tagger: Tagger, trainable: tf.Variable[], parts: readonly Example[][], padId: number, seeds: () => number, total: number): Gradients {
  let acc: tf.NamedTensorMap = {};
  let loss = 0;
  try {
    for (const part of parts) {
      const share = partSize(tagger, part) / total;
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
    return { loss, grads: acc };
  } catch (err) {
    tf.dispose(Object.values(acc));
    throw err;
  }
}

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
