import * as tf from '@tensorflow/tfjs';
import { addon } from './addon.js';
import { backendMemory } from './memory.js';
import { registerNative } from './register.js';

/**
 * Fused GELU kernels (native/elementwise.c) for wasm and cpu: the forward x·Φ(x) and its gradient
 * dy·(Φ(x) + x·φ(x)) in one pass each. Composed of tfjs ops the pair cost ~18% of a training step
 * on wasm (Erf ~20 ns per element, then Exp and five Multiplies over the [batch, seq, 3072]-wide
 * activations; docs/notes.md). model/ops.ts `gelu` uses them where registered, tf ops elsewhere.
 */
export const GELU = 'NerGelu';
export const GELU_GRAD = 'NerGeluGrad';

function forward(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const mem = backendMemory(backendName, backend);
    const out = mem.output([...x.shape]);
    const [fx, fy] = [mem.floats(x), mem.floats(out)];
    addon()!.gelu(fx.array, fx.offset, fy.array, fy.offset, tf.util.sizeFromShape(x.shape));
    return out;
  };
}

function gradient(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const mem = backendMemory(backendName, backend);
    const out = mem.output([...x.shape]);
    const [fx, fdy, fdx] = [mem.floats(x), mem.floats(dy), mem.floats(out)];
    addon()!.geluGrad(fx.array, fx.offset, fdy.array, fdy.offset, fdx.array, fdx.offset, tf.util.sizeFromShape(x.shape));
    return out;
  };
}

/** Registers both kernels for the backend where the addon is loaded; returns whether it did. */
export function installGelu(backendName: 'wasm' | 'cpu'): boolean {
  return registerNative(backendName, [[GELU, forward], [GELU_GRAD, gradient]]);
}
