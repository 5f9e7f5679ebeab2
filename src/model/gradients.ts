import * as tf from '@tensorflow/tfjs';
import { makeBatch, type Example } from '../data/batches.js';
import type { Tagger } from './tagger.js';

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
