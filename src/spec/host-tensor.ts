/** A tensor in host memory: float32 values, row-major, with its shape. */
export interface HostTensor {
  shape: number[];
  values: Float32Array;
}

/** Named weights as a file holds them (names not yet normalised). */
export type WeightMap = Map<string, HostTensor>;

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
