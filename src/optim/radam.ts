import * as tf from '@tensorflow/tfjs';
import { SlotOptimizer, type MomentOptions } from './optimizer.js';
import { rectification } from './rectification.js';

export type RAdamFlavour = 'liyuan' | 'torch' | 'ranger';

export interface RAdamOptions extends MomentOptions {
  /** Before the variance is tractable (ρt below the threshold): SGD with momentum (true) or no update at all (false). */
  degeneratedToSgd: boolean;
  /** ρt threshold for the rectified step (5 in every reference). */
  threshold: number;
  /**
   * liyuan: LiyuanLucasLiu/RAdam radam.py (rectify when ρt ≥ 5; decoupled weight decay θ -= lr λ θ).
   * torch: torch.optim.RAdam 1.13 (rectify when ρt > 5; weight decay as L2 on the gradient).
   * ranger: lessw2020 ranger.py (rectify when ρt > 5; decoupled weight decay).
   */
  flavour: RAdamFlavour;
  /**
   * Gradient centralisation (Yong et al. 2020) of gradients of rank > 1, before the moments:
   * `output` centres each output unit (mean over all axes but the last: tfjs kernels are [in, out],
   * so this is what ranger.py does to PyTorch's [out, in] weights); `literal` takes the mean over
   * all axes but the first, as ranger.py's code does to whatever layout it is given.
   */
  gradientCentralization: false | 'output' | 'literal';
}

/**
 * Rectified Adam (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond"):
 *   ρ∞ = 2/(1-β2) - 1;  ρt = ρ∞ - 2 t β2ᵗ / (1-β2ᵗ).
 *   Rectified (ρt past the threshold): r = √((1-β2ᵗ)(ρt-4)(ρt-2)ρ∞ / ((ρ∞-4)(ρ∞-2)ρt)) / (1-β1ᵗ);
 *     θ -= lr r m / (√v + ε)   (ε added to √v before bias correction, as the reference code does).
 *   Else, with degeneratedToSgd: θ -= lr m / (1-β1ᵗ); without it the step is skipped.
 */
export class RAdam extends SlotOptimizer {
  static className = 'RAdam';

  constructor(private readonly o: RAdamOptions) {
    super(o);
  }

  protected update(variable: tf.Variable, grad: tf.Tensor, hp: { learningRate: number; weightDecay: number }, t: number, name: string): void {
    const { beta1, beta2, epsilon, flavour } = this.o;
    let g = centralize(grad, this.o.gradientCentralization);
    if (hp.weightDecay !== 0 && flavour === 'torch') g = tf.add(g, tf.mul(variable, hp.weightDecay)); // [...shape]
    const { m, v } = this.updateMoments(name, variable, g, beta1, beta2);
    const sgd = flavour === 'liyuan' ? this.o.degeneratedToSgd : true;
    const { rectified, stepSize } = rectification(t, beta1, beta2, this.o.threshold, flavour === 'liyuan', sgd);
    if (stepSize === null) return;
    if (hp.weightDecay !== 0 && flavour !== 'torch') variable.assign(tf.mul(variable, 1 - hp.weightDecay * hp.learningRate));
    const direction = rectified ? tf.div(m, tf.add(tf.sqrt(v), epsilon)) : m; // [...shape]
    variable.assign(tf.sub(variable, tf.mul(direction, stepSize * hp.learningRate)));
  }
}

/** g - mean(g) over the chosen axes, for tensors of rank > 1. */
export function centralize(g: tf.Tensor, mode: RAdamOptions['gradientCentralization']): tf.Tensor {
  if (!mode || g.rank < 2) return g;
  const axes =
    mode === 'output'
      ? Array.from({ length: g.rank - 1 }, (_, i) => i) // all but the last: [in..., out] → per out
      : Array.from({ length: g.rank - 1 }, (_, i) => i + 1); // all but the first
  return tf.sub(g, tf.mean(g, axes, true)); // [...shape]
}

tf.serialization.registerClass(RAdam);
