import * as tf from '@tensorflow/tfjs';
import { addon } from './addon.js';
import { backendMemory } from './memory.js';
import { registerNative } from './register.js';

/**
 * Fused inverted dropout (native/elementwise.c) for wasm and cpu. tf.dropout draws its uniforms
 * in JavaScript (seedrandom) and then runs Cast, GreaterEqual, Multiply and RealDiv over the
 * tensor, and its gradient two more, for each of the 2 + 3·layers dropout sites of a step. Here the
 * mask is a hash of (seed, element), one pass each way, and the backward pass regenerates it
 * from the seed instead of keeping it. Masks differ from tf.dropout's (another generator) but
 * replay exactly from the seeds the run saves.
 */
export const DROPOUT = 'NerDropout';

function kernel(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { seed, rate } = attrs as unknown as { seed: number; rate: number };
    const mem = backendMemory(backendName, backend);
    const out = mem.output([...x.shape]);
    const [fx, fy] = [mem.floats(x), mem.floats(out)];
    addon()!.dropout(fx.array, fx.offset, fy.array, fy.offset, tf.util.sizeFromShape(x.shape), seed, rate);
    return out;
  };
}

/** Registers the kernel for the backend where the addon is loaded; returns whether it did. */
export function installDropout(backendName: 'wasm' | 'cpu'): boolean {
  return registerNative(backendName, [[DROPOUT, kernel]]);
}
