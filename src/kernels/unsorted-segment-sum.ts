import * as tf from '@tensorflow/tfjs';

/**
 * UnsortedSegmentSum for the wasm backend, which lacks it (tfjs 4.22). It is the gradient of
 * `tf.gather`, so without it embeddings cannot train on wasm. Semantics follow
 * tf.math.unsorted_segment_sum: out[s, ...] = Σ_{i: ids[i] = s} x[i, ...]; ids outside
 * [0, numSegments) are dropped. Computed on the JS side of the wasm heap, float32 accumulation.
 */
interface WasmBackendLike {
  readSync(dataId: object): tf.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): tf.TensorInfo;
}

export function unsortedSegmentSumValues(
  x: tf.TypedArray,
  xShape: readonly number[],
  ids: tf.TypedArray,
  idsRank: number,
  numSegments: number,
  dtype: tf.DataType,
): { values: Float32Array | Int32Array; shape: number[] } {
  const rows = xShape.slice(0, idsRank).reduce((a, b) => a * b, 1);
  const inner = xShape.slice(idsRank).reduce((a, b) => a * b, 1);
  const out = dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
  for (let i = 0; i < rows; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j]!;
  }
  return { values: out, shape: [numSegments, ...xShape.slice(idsRank)] };
}

export const unsortedSegmentSumWasm: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    const wasm = backend as unknown as WasmBackendLike;
    const { values, shape } = unsortedSegmentSumValues(
      wasm.readSync(x.dataId),
      x.shape,
      wasm.readSync(segmentIds.dataId),
      segmentIds.shape.length,
      numSegments,
      x.dtype,
    );
    return wasm.makeOutput(shape, x.dtype, undefined, values);
  },
};
