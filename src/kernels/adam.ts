import * as tf from '@tensorflow/tfjs';
import { addon } from './addon.js';
import { backendMemory } from './memory.js';
import { registerNative } from './register.js';

/**
 * One fused Adam/AdamW step per variable (native/elementwise.c) for wasm and cpu: the optimizer runs
 * on the main thread while replica threads wait, and its ~10 tf ops per variable cost 160 ms per
 * step over zh-bert-L6-H256's 10.7 M parameters on wasm here; one pass costs a tenth of that
 * (docs/notes.md). Same arithmetic, in the same order, as optim/adam.ts's tf-op form.
 */
export const ADAM = 'NerAdam';

export interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** lr / (1 − β1ᵗ) */
  step: number;
  /** √(1 − β2ᵗ) */
  sqrtBc2: number;
  /** 1 − lr·λ for decoupled decay (AdamW), else 1 */
  decay: number;
  /** λ for L2 decay (Adam with weight_decay), else 0 */
  l2: number;
}

function kernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { p, m, v, g } = inputs as Record<string, tf.TensorInfo>;
    const a = attrs as unknown as AdamAttrs;
    const mem = backendMemory(backendName, backend);
    const outs = [0, 1, 2].map(() => mem.output([...p!.shape])); // p′, m′, v′
    const args = [p!, m!, v!, g!, ...outs].flatMap((t) => {
      const f = mem.floats(t);
      return [f.array, f.offset];
    });
    addon()!.adam(...args, tf.util.sizeFromShape(p!.shape), a.beta1, a.beta2, a.epsilon, a.step, a.sqrtBc2, a.decay, a.l2);
    return outs;
  };
}

/** Registers the kernel for the backend where the addon is loaded; returns whether it did. */
export function installAdam(backendName: 'wasm' | 'cpu'): boolean {
  return registerNative(backendName, [[ADAM, kernel]]);
}
