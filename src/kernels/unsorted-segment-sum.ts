import * as tf from '@tensorflow/tfjs';
import { backendMemory } from './memory.js';

/**
 * UnsortedSegmentSum, the gradient of `tf.gather` (so of every embedding table), in one linear
 * pass: out[s, ...] = Σ_{i: ids[i] = s} x[i, ...]; ids outside [0, numSegments) are dropped
 * (tf.math.unsorted_segment_sum). The wasm backend lacks this kernel (tfjs 4.22), and the cpu
 * backend's compares every segment with every row, O(vocabulary × rows): 2 s a step for a tiny
 * model. Registered for both; float32 accumulation as TensorFlow's.
 */
interface BackendLike {
  readSync(dataId: object): tf.TypedArray;
  /** wasm */
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): tf.TensorInfo;
  /** cpu */
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values?: tf.TypedArray): tf.TensorInfo;
}

export function unsortedSegmentSumValues(
  x: tf.TypedArray,
  xShape: readonly number[],
  ids: tf.TypedArray,
  idsRank: number,
  numSegments: number,
  dtype: tf.DataType,
  into?: Float32Array,
): { values: Float32Array | Int32Array; shape: number[] } {
  const rows = xShape.slice(0, idsRank).reduce((a, b) => a * b, 1);
  const inner = xShape.slice(idsRank).reduce((a, b) => a * b, 1);
  const out = into ? into.fill(0) : dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j]!;
  }
  return { values: out, shape: [numSegments, ...xShape.slice(idsRank)] };
}

export function unsortedSegmentSumKernel(backendName: 'wasm' | 'cpu'): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as { numSegments: number };
      const b = backend as unknown as BackendLike;
      if (backendName === 'wasm' && x.dtype === 'float32') {
        // Accumulate straight into the output's place in the wasm heap: the embedding table's
        // gradient (21,128 × 256 floats here) is neither allocated in JS nor copied in.
        const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
        const xs = b.readSync(x.dataId);
        const ids = b.readSync(segmentIds.dataId);
        const mem = backendMemory('wasm', backend);
        const out = mem.output(shape);
        const f = mem.floats(out);
        unsortedSegmentSumValues(xs, x.shape, ids, segmentIds.shape.length, numSegments, x.dtype, f.array.subarray(f.offset, f.offset + tf.util.sizeFromShape(shape)));
        return out;
      }
      const { values, shape } = unsortedSegmentSumValues(
        b.readSync(x.dataId),
        x.shape,
        b.readSync(segmentIds.dataId),
        segmentIds.shape.length,
        numSegments,
        x.dtype,
      );
      // Both backends have a makeOutput, with different signatures: pick by name.
      return backendName === 'wasm' ? b.makeOutput!(shape, x.dtype, undefined, values) : b.makeTensorInfo!(shape, x.dtype, values);
    },
  };
}

/** Installs the kernel for a backend, replacing a slower one. */
export function installUnsortedSegmentSum(backendName: 'wasm' | 'cpu'): void {
  if (tf.getKernel(tf.UnsortedSegmentSum, backendName)) tf.unregisterKernel(tf.UnsortedSegmentSum, backendName);
  tf.registerKernel(unsortedSegmentSumKernel(backendName));
}
