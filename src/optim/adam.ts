import * as tf from '@tensorflow/tfjs';
import { ADAM, type AdamAttrs } from '../kernels/adam.js';
import { SlotOptimizer, type MomentOptions } from './optimizer.js';

export type AdamDecay = 'none' | 'l2' | 'decoupled';

export interface AdamOptions extends MomentOptions {
  /**
   * How weight decay enters: `decoupled` = torch.optim.AdamW (θ *= 1 - lr λ before the step),
   * `l2` = torch.optim.Adam(weight_decay) (g += λ θ, the coupling AdamW was made to fix), `none`.
   */
  decay: AdamDecay;
}

/**
 * torch.optim.Adam / AdamW (torch/optim/adam.py, adamw.py, _single_tensor_*), bias-corrected:
 *   m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;  θ -= lr/(1-β1ᵗ) · m / (√v / √(1-β2ᵗ) + ε).
 */
export class Adam extends SlotOptimizer {
  static className = 'TorchAdam';

  constructor(private readonly o: AdamOptions) {
    super(o);
  }

  protected update(variable: tf.Variable, grad: tf.Tensor, hp: { learningRate: number; weightDecay: number }, t: number, name: string): void {
    const { beta1, beta2, epsilon, decay } = this.o;
    if (tf.getKernel(ADAM, tf.getBackend())) return this.fusedUpdate(variable, grad, hp, t, name);
    let g = grad;
    if (hp.weightDecay !== 0 && decay === 'l2') g = tf.add(g, tf.mul(variable, hp.weightDecay)); // [...shape]
    if (hp.weightDecay !== 0 && decay === 'decoupled') variable.assign(tf.mul(variable, 1 - hp.learningRate * hp.weightDecay));
    const { m, v } = this.updateMoments(name, variable, g, beta1, beta2);
    const bc1 = 1 - beta1 ** t;
    const bc2 = 1 - beta2 ** t;
    const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), epsilon); // [...shape]
    variable.assign(tf.sub(variable, tf.mul(tf.div(m, denom), hp.learningRate / bc1)));
  }

  /** The same step as one native kernel (kernels/adam.ts) where the backend has it. */
  private fusedUpdate(variable: tf.Variable, grad: tf.Tensor, hp: { learningRate: number; weightDecay: number }, t: number, name: string): void {
    const { beta1, beta2, epsilon, decay } = this.o;
    const m = this.slot(name, 'm', variable);
    const v = this.slot(name, 'v', variable);
    const attrs: AdamAttrs = {
      beta1,
      beta2,
      epsilon,
      step: hp.learningRate / (1 - beta1 ** t),
      sqrtBc2: Math.sqrt(1 - beta2 ** t),
      decay: hp.weightDecay !== 0 && decay === 'decoupled' ? 1 - hp.learningRate * hp.weightDecay : 1,
      l2: hp.weightDecay !== 0 && decay === 'l2' ? hp.weightDecay : 0,
    };
    const [p2, m2, v2] = tf.engine().runKernel(ADAM, { p: variable, m, v, g: grad }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]; // 3 × [...shape]
    m.assign(m2!);
    v.assign(v2!);
    variable.assign(p2!);
    tf.dispose([p2!, m2!, v2!]);
  }
}

tf.serialization.registerClass(Adam);
