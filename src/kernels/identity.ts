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
