import * as tf from '@tensorflow/tfjs';
import { blasActive } from '../kernels/blas-matmul.js';

/** Swaps the last two axes. */
export function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  return tf.transpose(x, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
}

/**
 * a·b (batched over leading axes, no broadcasting) whose gradient uses only untransposed
 * products: dA = dC·bᵀ, dB = aᵀ·dC with the transposes made explicit. Same mathematics as
 * tf.matMul's gradient, but tfjs-wasm runs transposed products 7–25× slower than plain ones
 * (0.8–2.7 vs 20 GFLOP/s measured here), while an explicit transpose is a cheap copy. Where a
 * native kernel serves the products, the transposes are passed as flags instead.
 */
export const mm: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [x, y] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      // Native products (BLAS, libtensorflow) take transposed operands at full speed: no copies.
      if (blasActive() || tf.getBackend() === 'tensorflow') return [tf.matMul(g, y, false, true), tf.matMul(x, g, true, false)];
      return [tf.matMul(g, swapLast(y)), tf.matMul(swapLast(x), g)];
    },
  };
}) as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** x·W + b over the last axis, for x [..., in] and W [in, out]. */
export function dense(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const flat = tf.reshape(x, [-1, shape[shape.length - 1]!]); // [rows, in]
  return tf.reshape(tf.add(mm(flat, w), b), [...shape.slice(0, -1), w.shape[1]!]); // [..., out]
}

/** The steps of x along `axis` as separate tensors (one op and one gradient op, unlike per-step slices). */
export function steps(x: tf.Tensor, axis: number): tf.Tensor[] {
  if (x.shape[axis] === 1) return [tf.squeeze(x, [axis])];
  return tf.unstack(x, axis);
}
