/** IEEE 754 half precision → float32. */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** bfloat16 → float32 (the upper half of a float32's bits). */
export function bfloat16ToFloat(bits: Uint16Array): Float32Array {
  const u32 = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) u32[i] = bits[i]! << 16;
  return new Float32Array(u32.buffer);
}

/** Copies `byteLength` bytes at `offset` into an aligned buffer and views them as `T`. */
export function view<T>(bytes: Uint8Array, offset: number, byteLength: number, make: (b: ArrayBuffer) => T): T {
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(offset, offset + byteLength));
  return make(copy.buffer);
}

/** Reads little-endian element data of a storage dtype as float32. */
export function toFloat32(dtype: 'F32' | 'F16' | 'BF16' | 'F64', bytes: Uint8Array, offset: number, count: number): Float32Array {
  switch (dtype) {
    case 'F32':
      return view(bytes, offset, count * 4, (b) => new Float32Array(b));
    case 'F16':
      return halfToFloat(view(bytes, offset, count * 2, (b) => new Uint16Array(b)));
    case 'BF16':
      return bfloat16ToFloat(view(bytes, offset, count * 2, (b) => new Uint16Array(b)));
    case 'F64':
      return Float32Array.from(view(bytes, offset, count * 8, (b) => new Float64Array(b)));
  }
}

/** Thrown for a malformed or unsupported weights file; the loader adds the path. */
export class WeightsFormatError extends Error {}
