import * as tf from '@tensorflow/tfjs';
import { addon } from './addon.js';
import { backendMemory } from './memory.js';
import { registerNative } from './register.js';

/**
 * Fused layer normalisation (native/elementwise.c) for wasm and cpu. Composed of tf ops, one
 * LayerNorm is 7 kernels forward and ~15 backward over [batch, seq, hidden] (Sum, Multiply, Sub,
 * RealDiv, Square…), 13 of them per BERT step; fused, it is one pass each way. The forward also
 * returns x̂ and 1/σ per row, which the backward needs (model/ops.ts saves them).
 */
export const LAYER_NORM = 'NerLayerNorm';
export const LAYER_NORM_GRAD = 'NerLayerNormGrad';

const rowsOf = (shape: readonly number[]) => tf.util.sizeFromShape(shape.slice(0, -1));

function forward(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
    const width = x.shape[x.shape.length - 1]!;
    const rows = rowsOf(x.shape);
    const mem = backendMemory(backendName, backend);
    const y = mem.output([...x.shape]); // [..., width]
    const xhat = mem.output([...x.shape]); // [..., width]
    const rstd = mem.output([...x.shape.slice(0, -1), 1]); // [..., 1]
    const [fx, fg, fb, fy, fh, fr] = [x, gamma, beta, y, xhat, rstd].map((t) => mem.floats(t));
    addon()!.layerNorm(fx!.array, fx!.offset, fg!.array, fg!.offset, fb!.array, fb!.offset, fy!.array, fy!.offset, fh!.array, fh!.offset, fr!.array, fr!.offset, rows, width, (attrs as { eps: number }).eps);
    return [y, xhat, rstd];
  };
}

function gradient(backendName: 'wasm' | 'cpu'): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { dy, xhat, rstd, gamma } = inputs as { dy: tf.TensorInfo; xhat: tf.TensorInfo; rstd: tf.TensorInfo; gamma: tf.TensorInfo };
    const width = dy.shape[dy.shape.length - 1]!;
    const mem = backendMemory(backendName, backend);
    const dx = mem.output([...dy.shape]); // [..., width]
    const dgamma = mem.output([width]); // [width]
    const dbeta = mem.output([width]); // [width]
    const f = [dy, xhat, rstd, gamma, dx, dgamma, dbeta].map((t) => mem.floats(t));
    addon()!.layerNormGrad(f[0]!.array, f[0]!.offset, f[1]!.array, f[1]!.offset, f[2]!.array, f[2]!.offset, f[3]!.array, f[3]!.offset, f[4]!.array, f[4]!.offset, f[5]!.array, f[5]!.offset, f[6]!.array, f[6]!.offset, rowsOf(dy.shape), width);
    return [dx, dgamma, dbeta];
  };
}

/** Registers both kernels for the backend where the addon is loaded; returns whether it did. */
export function installLayerNorm(backendName: 'wasm' | 'cpu'): boolean {
  return registerNative(backendName, [[LAYER_NORM, forward], [LAYER_NORM_GRAD, gradient]]);
}
