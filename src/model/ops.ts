import * as tf from '@tensorflow/tfjs';
import { blasActive } from '../kernels/blas-matmul.js';
import { ATTENTION, ATTENTION_GRAD, type AttentionAttrs } from '../kernels/attention.js';
import { GELU, GELU_GRAD } from '../kernels/gelu.js';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../kernels/layer-norm.js';

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
  const y = blasActive() ? affine(flat, w, b) : tf.add(mm(flat, w), b); // [rows, out]
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1]!]); // [..., out]
}

/**
 * x·W + b with every gradient a BLAS product: dx = dy·Wᵀ, dW = xᵀ·dy, and db = 1ᵀ·dy. Autograd
 * would reduce dy over its rows with tfjs's Sum, which on wasm transposes first (143 ms per step
 * for BERT's biases here, against a few ms as a product; docs/notes.md).
 */
const affine: (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b), // [rows, out]
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      const ones = tf.ones([1, g.shape[0]]); // [1, rows]
      return [tf.matMul(g, sw, false, true), tf.matMul(sx, g, true, false), tf.reshape(tf.matMul(ones, g), [g.shape[1]])]; // [rows, in], [in, out], [out]
    },
  };
}) as unknown as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** The steps of x along `axis` as separate tensors (one op and one gradient op, unlike per-step slices). */
export function steps(x: tf.Tensor, axis: number): tf.Tensor[] {
  if (x.shape[axis] === 1) return [tf.squeeze(x, [axis])];
  return tf.unstack(x, axis);
}

const native = (kernel: string) => Boolean(tf.getKernel(kernel, tf.getBackend()));

/**
 * GELU with the exact erf, x·Φ(x) (Hendrycks & Gimpel 2016). Where the native addon serves the
 * backend, one fused kernel each way (kernels/gelu.ts) with the derivative Φ(x) + x·φ(x) written
 * out; elsewhere (tfjs-node, GPU, stock wasm) the tf-op composition and autograd, as before.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  if (native(GELU) && native(GELU_GRAD)) return fusedGelu(x);
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))); // [same as x]
}

const fusedGelu: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.engine().runKernel(GELU, { x }, {}) as tf.Tensor, // [same as x]
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.engine().runKernel(GELU_GRAD, { x: saved[0]!, dy: dy as tf.Tensor }, {}) as tf.Tensor], // [same as x]
  };
}) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * Layer normalisation over the last axis with gain γ and bias β (biased variance, eps inside the
 * root, as torch.nn.LayerNorm). Fused kernels where the native addon serves the backend
 * (kernels/layer-norm.ts); the tf-op composition and autograd elsewhere, as before.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  if (native(LAYER_NORM) && native(LAYER_NORM_GRAD)) return fusedLayerNorm(x, gamma, beta, eps);
  const mean = tf.mean(x, -1, true); // [..., 1]
  const centred = tf.sub(x, mean); // [..., width]
  const variance = tf.mean(tf.square(centred), -1, true); // [..., 1]
  const normed = tf.mul(centred, tf.rsqrt(tf.add(variance, eps))); // [..., width]
  return tf.add(tf.mul(normed, gamma), beta); // [..., width]
}

/** One custom-gradient op per eps (customGrad passes tensors only; models use one or two eps values). */
const fusedByEps = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  let op = fusedByEps.get(eps);
  if (!op) {
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const [y, xhat, rstd] = tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { eps }) as tf.Tensor[]; // [..., width] ×2, [..., 1]
      save([xhat!, rstd!, gamma]);
      return {
        value: y!,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sxhat, srstd, sgamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
          return tf.engine().runKernel(LAYER_NORM_GRAD, { dy: dy as tf.Tensor, xhat: sxhat, rstd: srstd, gamma: sgamma }, {}) as tf.Tensor[]; // dx [..., width], dγ [width], dβ [width]
        },
      };
    }) as unknown as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
    fusedByEps.set(eps, op);
  }
  return op(x, gamma, beta);
}

/** True where the native attention core serves the backend (model/bert.ts then calls `attention`). */
export function nativeAttention(): boolean {
  return native(ATTENTION) && native(ATTENTION_GRAD);
}

/**
 * softmax(Q·Kᵀ/√d + mask) · V over `heads` column blocks of q, k, v [batch, seq, hidden], with
 * dropout `rate` on the probabilities under `seed` (Vaswani et al. 2017, as BERT's self-attention),
 * on the native kernels (kernels/attention.ts); mask [batch, seq] is added over keys. → [batch, seq, hidden]
 */
export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor, attrs: AttentionAttrs): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, v, mask, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [context, probs] = tf.engine().runKernel(ATTENTION, { q, k, v, mask }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]; // [batch, seq, hidden], [batch, heads, seq, seq]
    save([q, k, v, probs!]);
    return {
      value: context!,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor[];
        const grads = tf.engine().runKernel(ATTENTION_GRAD, { dy: dy as tf.Tensor, q: sq!, k: sk!, v: sv!, probs: sp! }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[]; // dq, dk, dv [batch, seq, hidden]
        return [...grads, tf.zerosLike(mask)];
      },
    };
  }) as unknown as (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor) => tf.Tensor;
  return op(q, k, v, mask);
}
