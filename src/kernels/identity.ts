import * as tf from '@tensorflow/tfjs';

/**
 * Identity for the wasm backend that shares the input's buffer (reference-counted), as the cpu
 * backend's does. tfjs clones every tensor it saves for the backward pass; wasm's own Identity
 * copies the bytes, so every saved activation was held twice (≈ +40% peak memory for a BERT step,
 * and the 4 GiB wasm heap ran out at batch 32 × 128 pieces). Buffers are never written in place,
 * so sharing is safe (wasm's Reshape already shares the same way).
 */
interface RefCountingBackend {
  incRef(dataId: object): void;
}

export const sharedIdentityWasm: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    (backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

export function installSharedIdentity(): void {
  if (tf.getKernel(tf.Identity, 'wasm')) tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel(sharedIdentityWasm);
}

/**
 * Transpose on wasm that shares the input's buffer when the permutation is the identity: tfjs's
 * gather gradient transposes the embedding table's gradient by the identity (axis 0), a 21 MB
 * copy per step here. Any other permutation runs the stock kernel.
 */
export function installSharedIdentityTranspose(): void {
  const stock = tf.getKernel(tf.Transpose, 'wasm');
  if (!stock || (stock as { shared?: boolean }).shared) return;
  tf.unregisterKernel(tf.Transpose, 'wasm');
  const kernel: tf.KernelConfig & { shared: boolean } = {
    ...stock,
    shared: true,
    kernelFunc: (args) => {
      const { perm } = args.attrs as unknown as { perm: number[] };
      if (perm.every((p, i) => p === i)) return sharedIdentityWasm.kernelFunc({ ...args, inputs: { x: (args.inputs as { x: tf.TensorInfo }).x } });
      return stock.kernelFunc(args);
    },
  };
  tf.registerKernel(kernel);
}
