import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * BatchMatMul on the system BLAS (OpenBLAS `cblas_sgemm`, native/blas.c) for the wasm and cpu
 * backends. Measured here: stock wasm multiplies at ~20 GFLOP/s on one thread and 1–2 GFLOP/s with
 * a transposed operand; OpenBLAS at ~75 on one thread, transposed or not, with < 1 µs per call
 * (docs/notes.md, "Native matrix products"). Operands are read in place: on wasm the addon gets
 * the module's heap and float offsets into it, on cpu the tensors' own arrays; nothing is copied.
 * One BLAS thread per thread of ours: parallelism comes from data-parallel replicas (src/parallel/).
 */
interface BlasAddon {
  sgemm(a: Float32Array, aOff: number, aStride: number, b: Float32Array, bOff: number, bStride: number, c: Float32Array, cOff: number, batch: number, m: number, n: number, k: number, ta: boolean, tb: boolean): void;
  setThreads(n: number): void;
  threads(): number;
  config(): string;
}

export interface BlasStatus {
  /** The addon loaded and its kernel is (or can be) registered. */
  available: boolean;
  /** One line: what is used, or why not. */
  detail: string;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
// NER_BLAS_ADDON points elsewhere (the tests use it to show the fallback when the addon is missing).
const addonPath = process.env.NER_BLAS_ADDON || `${root}build/Release/ner_blas.node`;
let addon: BlasAddon | undefined;
let loadError: string | undefined;

/** Loads the addon once; `NER_BLAS=off` disables it (the stock kernels stay). */
export function blasStatus(): BlasStatus {
  if (process.env.NER_BLAS === 'off') return { available: false, detail: 'native BLAS off (NER_BLAS=off)' };
  if (!addon && !loadError) {
    try {
      addon = createRequire(import.meta.url)(addonPath) as BlasAddon;
      addon.setThreads(1);
    } catch (err) {
      loadError = existsSync(addonPath) ? `the native BLAS kernel did not load: ${String((err as Error).message).split('\n')[0]}` : `the native BLAS kernel was not built: ${buildReason()}`;
    }
  }
  if (!addon) return { available: false, detail: loadError! };
  // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64" → "OpenBLAS 0.3.21 SkylakeX"
  const [name, version, ...rest] = addon.config().split(' ');
  const core = rest.find((w) => !/^(NO_|DYNAMIC|MAX_|USE_|SINGLE)/.test(w));
  return { available: true, detail: `${[name, version, core].filter(Boolean).join(' ')}, ${addon.threads()} thread(s)` };
}

function buildReason(): string {
  try {
    const s = JSON.parse(readFileSync(`${root}build/native-status.json`, 'utf8')) as { ok?: boolean; reason?: string };
    return s.ok ? `${addonPath} is missing (run \`npm rebuild ner\` or \`node native/build.mjs\`)` : (s.reason ?? 'unknown reason');
  } catch {
    return 'npm did not run its install step; run `npm rebuild ner` or `node native/build.mjs`';
  }
}

type Attrs = { transposeA: boolean; transposeB: boolean };
interface WasmLike {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface CpuLike {
  data: { get(id: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

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

function wasmKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  let heapBuffer: ArrayBufferLike | undefined;
  let heap: Float32Array = new Float32Array(0);
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const g = geometry(a, b, args.attrs as unknown as Attrs);
    if (!g.simple || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const backend = args.backend as unknown as WasmLike;
    const out = backend.makeOutput(g.shape, 'float32');
    if (g.batch * g.m * g.n === 0) return out;
    // The heap's buffer is replaced whenever the module's memory grows (makeOutput may grow it).
    if (backend.wasm.HEAPU8.buffer !== heapBuffer) {
      heapBuffer = backend.wasm.HEAPU8.buffer;
      heap = new Float32Array(heapBuffer);
    }
    const at = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset / 4;
    const { transposeA, transposeB } = args.attrs as unknown as Attrs;
    addon!.sgemm(heap, at(a), g.aStride, heap, at(b), g.bStride, heap, at(out), g.batch, g.m, g.n, g.k, transposeA, transposeB);
    return out;
  };
}

function cpuKernel(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const g = geometry(a, b, args.attrs as unknown as Attrs);
    if (!g.simple || a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    const backend = args.backend as unknown as CpuLike;
    const values = new Float32Array(g.batch * g.m * g.n);
    if (values.length > 0) {
      const { transposeA, transposeB } = args.attrs as unknown as Attrs;
      addon!.sgemm(backend.data.get(a.dataId).values, 0, g.aStride, backend.data.get(b.dataId).values, 0, g.bStride, values, 0, g.batch, g.m, g.n, g.k, transposeA, transposeB);
    }
    return backend.makeTensorInfo(g.shape, 'float32', values);
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
  const make = backendName === 'wasm' ? wasmKernel : cpuKernel;
  tf.registerKernel({ ...stock, kernelFunc: make(stock.kernelFunc) });
  installed.add(backendName);
  return true;
}

/**
 * The addon's single-precision product rate in GFLOP/s on `threads` BLAS threads, measured on a
 * [1024,1024]·[1024,1024] product (the benchmark records it: how close to the machine's limit we are).
 */
export function measureSgemm(threads: number, seconds = 1): number | null {
  if (!blasStatus().available) return null;
  const n = 1024;
  const a = new Float32Array(n * n).fill(0.5);
  const c = new Float32Array(n * n);
  addon!.setThreads(threads);
  try {
    addon!.sgemm(a, 0, 0, a, 0, 0, c, 0, 1, n, n, n, false, false);
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      addon!.sgemm(a, 0, 0, a, 0, 0, c, 0, 1, n, n, n, false, false);
      reps++;
    }
    return (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9;
  } finally {
    addon!.setThreads(1);
  }
}

/** True once a BLAS kernel serves the active backend's products (then transposed operands are free). */
export function blasActive(): boolean {
  return installed.has(tf.getBackend());
}
