import * as tf from '@tensorflow/tfjs';
import { addon } from './addon.js';

/** Registers native kernels (name, factory for the backend) where the addon is loaded; returns whether it is. */
export function registerNative(backendName: 'wasm' | 'cpu', kernels: readonly (readonly [string, (b: 'wasm' | 'cpu') => tf.KernelFunc])[]): boolean {
  if (!addon()) return false;
  for (const [kernelName, make] of kernels) {
    if (!tf.getKernel(kernelName, backendName)) tf.registerKernel({ kernelName, backendName, kernelFunc: make(backendName) });
  }
  return true;
}
