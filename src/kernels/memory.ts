import type * as tf from '@tensorflow/tfjs';

/**
 * Where a tensor's floats live, for native kernels that read and write them in place: on wasm, the
 * module's heap at a float offset; on cpu, the tensor's own array at offset 0.
 */
interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface CpuLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

export interface Floats {
  array: Float32Array;
  offset: number;
}

export interface BackendMemory {
  /** A new float32 output tensor of `shape`. */
  output(shape: number[]): tf.TensorInfo;
  /** A tensor's floats. Call after every output() of the kernel: a growing wasm heap moves. */
  floats(t: tf.TensorInfo): Floats;
}

const heaps = new WeakMap<ArrayBufferLike, Float32Array>();

export function backendMemory(backendName: 'wasm' | 'cpu', backend: unknown): BackendMemory {
  if (backendName === 'wasm') {
    const b = backend as WasmLike;
    return {
      output: (shape) => b.makeOutput(shape, 'float32'),
      floats: (t) => {
        const buffer = b.wasm.HEAPU8.buffer;
        let heap = heaps.get(buffer);
        if (!heap) heaps.set(buffer, (heap = new Float32Array(buffer)));
        return { array: heap, offset: b.dataIdMap.get(t.dataId).memoryOffset / 4 };
      },
    };
  }
  const b = backend as CpuLike;
  const pending = new Map<tf.TensorInfo, Float32Array>();
  return {
    output: (shape) => {
      const values = new Float32Array(shape.reduce((x, y) => x * y, 1));
      const info = b.makeTensorInfo(shape, 'float32', values);
      pending.set(info, values);
      return info;
    },
    floats: (t) => ({ array: pending.get(t) ?? b.data.get(t.dataId).values, offset: 0 }),
  };
}
