import * as tf from '@tensorflow/tfjs';
import { addon, blasStatus } from './addon.js';
import { backendMemory } from './memory.js';

/**
 * BatchMatMul on the system BLAS (OpenBLAS `cblas_sgemm`, native/blas.c) for the wasm and cpu
 * backends. Measured here: stock wasm multiplies at ~20 GFLOP/s on one thread and 1–2 GFLOP/s with
 * a transposed operand; OpenBLAS at ~75 on one thread, transposed or not, with < 1 µs per call
 * (docs/notes.md, "Native kernels and replica threads"). Operands are read in place: on wasm the addon gets
 * the module's heap and float offsets into it, on cpu the tensors' own arrays; nothing is copied.
 * One BLAS thread per thread of ours: parallelism comes from data-parallel replicas (src/parallel/).
 */
type Attrs = { transposeA: boolean; transposeB: boolean };

/** Shapes of op(A)·op(B) batched over leading axes (a batch of 1 broadcasts, as the stock kernels do). */
function geometry(a: tf.TensorInfo, b: tf.TensorInfo, { transposeA, transposeB }: Attrs) {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = tf.util.sizeFromShape(outer);
  if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} must match.`);
  // General broadcasting over several batch axes (e.g. [2,1]·[1,3]) is left to the stock kernel.
  const simple = (batchA === batch || batchA === 1) && (batchB === batch || batchB === 1);
  return { m, n, k, batch, simple, aStride: batchA === 1 ? 0 : m * k, bStride: batchB === 1 ? 0 : k * n, shape: [...outer, m, n] };
}

/** The BLAS kernel, with the stock one for what it does not cover (general broadcasting, other dtypes). */
function blasKernel(backendName: 'wasm' | 'cpu', fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as unknown as Attrs;
    const g = geometry(a, b, attrs);
    if (!g.simple || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const mem = backendMemory(backendName, args.backend);
    const out = mem.output(g.shape);
    if (g.batch * g.m * g.n === 0) return out;
    const [fa, fb, fc] = [mem.floats(a), mem.floats(b), mem.floats(out)];
    addon()!.sgemm(fa.array, fa.offset, g.aStride, fb.array, fb.offset, g.bStride, fc.array, fc.offset, g.batch, g.m, g.n, g.k, attrs.transposeA, attrs.transposeB);
    return out;
  };
}

const installed = new Set<string>();

/**
 * Registers the BLAS BatchMatMul for `backendName` (wasm or cpu) in place of the stock one, which
 * stays as the fallback for what the addon does not cover. Returns false where the addon is absent.
 */
export function installBlasMatMul(backendName: 'wasm' | 'cpu'): boolean {
  if (!blasStatus().available) return false;
  if (installed.has(backendName)) return true;
  const stock = tf.getKernel(tf.BatchMatMul, backendName);
  if (!stock) return false;
  tf.unregisterKernel(tf.BatchMatMul, backendName);
  tf.registerKernel({ ...stock, kernelFunc: blasKernel(backendName, stock.kernelFunc) });
  installed.add(backendName);
  return true;
}

/** True once a BLAS kernel serves the active backend's products (then transposed operands are free). */
export function blasActive(): boolean {
  return installed.has(tf.getBackend());
}
