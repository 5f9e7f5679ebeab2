import type * as tf from '@tensorflow/tfjs';

/**
 * Where each variable lives in a flat float32 buffer shared between threads (weights from the
 * main thread to the replicas, gradients back). Both sides build the same tagger from the same
 * spec, so names and shapes agree; the replica checks that they do.
 */
export interface Layout {
  names: string[];
  shapes: number[][];
  /** Float offset of each variable. */
  offsets: number[];
  /** Floats in all. */
  size: number;
}

export function layoutOf(entries: readonly { name: string; shape: readonly number[] }[]): Layout {
  const offsets: number[] = [];
  let size = 0;
  for (const e of entries) {
    offsets.push(size);
    size += e.shape.reduce((a, b) => a * b, 1);
  }
  return { names: entries.map((e) => e.name), shapes: entries.map((e) => [...e.shape]), offsets, size };
}

export function sameLayout(a: Layout, b: Layout): boolean {
  return a.size === b.size && a.names.join('\n') === b.names.join('\n') && a.shapes.map(String).join(';') === b.shapes.map(String).join(';');
}

/** A float view of `buffer` for variable `i` of the layout (no copy). */
export function slot(buffer: Float32Array, layout: Layout, i: number): Float32Array {
  const n = layout.shapes[i]!.reduce((a, b) => a * b, 1);
  return buffer.subarray(layout.offsets[i]!, layout.offsets[i]! + n);
}

/** Copies tensors' values into the buffer at their slots (one read per variable). */
export function writeTensors(buffer: Float32Array, layout: Layout, tensors: readonly tf.Tensor[]): void {
  tensors.forEach((t, i) => slot(buffer, layout, i).set(t.dataSync() as Float32Array));
}

/** A float32 buffer of `layout.size` floats that threads share without copying. */
export function sharedBuffer(layout: Layout): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * layout.size));
}
