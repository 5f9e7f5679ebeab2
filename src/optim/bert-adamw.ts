import * as tf from '@tensorflow/tfjs';
import { SlotOptimizer, type MomentOptions } from './optimizer.js';

export type BertAdamWOptions = MomentOptions;

/**
 * google-research/bert optimization.py AdamWeightDecayOptimizer: Adam without bias correction,
 * weight decay added to the update (decoupled from the moments) and scaled by the learning rate:
 *   m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;  u = m / (√v + ε) + λ θ;  θ -= lr u.
 * Without bias correction the first steps are tiny (m starts at 0), which is why BERT warms up.
 */
export class BertAdamW extends SlotOptimizer {
  static className = 'BertAdamW';

  constructor(private readonly o: BertAdamWOptions) {
    super(o);
  }

  protected update(variable: tf.Variable, g: tf.Tensor, hp: { learningRate: number; weightDecay: number }, _t: number, name: string): void {
    const { m, v } = this.updateMoments(name, variable, g, this.o.beta1, this.o.beta2);
    let u = tf.div(m, tf.add(tf.sqrt(v), this.o.epsilon)); // [...shape]
    if (hp.weightDecay !== 0) u = tf.add(u, tf.mul(variable, hp.weightDecay));
    variable.assign(tf.sub(variable, tf.mul(u, hp.learningRate)));
  }
}

tf.serialization.registerClass(BertAdamW);
