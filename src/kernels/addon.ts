import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The project's native addon (native/*.c, built at install by native/build.mjs): OpenBLAS's
 * sgemm and fused element-wise kernels, over Float32Arrays addressed by float offsets (on wasm,
 * the module's heap itself, so nothing is copied). Optional: where it was not built, ner runs on
 * the stock kernels and says why.
 */
export interface NativeAddon {
  sgemm(a: Float32Array, aOff: number, aStride: number, b: Float32Array, bOff: number, bStride: number, c: Float32Array, cOff: number, batch: number, m: number, n: number, k: number, ta: boolean, tb: boolean): void;
  gelu(x: Float32Array, xOff: number, y: Float32Array, yOff: number, n: number): void;
  geluGrad(x: Float32Array, xOff: number, dy: Float32Array, dyOff: number, dx: Float32Array, dxOff: number, n: number): void;
  layerNorm(x: Float32Array, xOff: number, g: Float32Array, gOff: number, b: Float32Array, bOff: number, y: Float32Array, yOff: number, xhat: Float32Array, xhOff: number, rstd: Float32Array, rOff: number, rows: number, width: number, eps: number): void;
  layerNormGrad(dy: Float32Array, dyOff: number, xhat: Float32Array, xhOff: number, rstd: Float32Array, rOff: number, g: Float32Array, gOff: number, dx: Float32Array, dxOff: number, dg: Float32Array, dgOff: number, db: Float32Array, dbOff: number, rows: number, width: number): void;
  dropout(x: Float32Array, xOff: number, y: Float32Array, yOff: number, n: number, seed: number, rate: number): void;
  /** (p, m, v, g, p′, m′, v′ as array, offset pairs), n, β1, β2, ε, step, √bc2, decay, l2 (native/elementwise.c). */
  adam(...args: (Float32Array | number)[]): void;
  /** (array, offset) pairs, then batch, seq, hidden, heads, scale, seed, rate (native/attention.c). */
  attentionForward(...args: (Float32Array | number)[]): void;
  attentionBackward(...args: (Float32Array | number)[]): void;
  /** Arguments: (array, offset) pairs, then batch, steps, 2H (native/lstm.c). */
  lstmForward(...args: (Float32Array | number)[]): void;
  lstmBackward(...args: (Float32Array | number)[]): void;
  setThreads(n: number): void;
  threads(): number;
  config(): string;
}

export interface BlasStatus {
  /** The addon loaded and its kernels can be registered. */
  available: boolean;
  /** One line: what is used, or why not. */
  detail: string;
}

const root = fileURLToPath(new URL('../../../', import.meta.url));
// NER_BLAS_ADDON points elsewhere (the tests use it to show the fallback when the addon is missing).
const addonPath = process.env.NER_BLAS_ADDON || `${root}build/Release/ner_blas.node`;
let loaded: NativeAddon | undefined;
let loadError: string | undefined;

/** Loads the addon once; `NER_BLAS=off` disables it (the stock kernels stay). */
export function blasStatus(): BlasStatus {
  if (process.env.NER_BLAS === 'off') return { available: false, detail: 'native BLAS off (NER_BLAS=off)' };
  if (!loaded && !loadError) {
    try {
      loaded = createRequire(import.meta.url)(addonPath) as NativeAddon;
      loaded.setThreads(1);
    } catch (err) {
      loadError = existsSync(addonPath) ? `the native BLAS kernel did not load: ${String((err as Error).message).split('\n')[0]}` : `the native BLAS kernel was not built: ${buildReason()}`;
    }
  }
  if (!loaded) return { available: false, detail: loadError! };
  // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64" → "OpenBLAS 0.3.21 SkylakeX"
  const [name, version, ...rest] = loaded.config().split(' ');
  const core = rest.find((w) => !/^(NO_|DYNAMIC|MAX_|USE_|SINGLE)/.test(w));
  return { available: true, detail: `${[name, version, core].filter(Boolean).join(' ')}, ${loaded.threads()} thread(s)` };
}

function buildReason(): string {
  try {
    const s = JSON.parse(readFileSync(`${root}build/native-status.json`, 'utf8')) as { ok?: boolean; reason?: string };
    return s.ok ? `${addonPath} is missing (run \`npm rebuild ner\` or \`node native/build.mjs\`)` : (s.reason ?? 'unknown reason');
  } catch {
    return 'npm did not run its install step; run `npm rebuild ner` or `node native/build.mjs`';
  }
}


/** The loaded addon (undefined where blasStatus() says it is not available). */
export function addon(): NativeAddon | undefined {
  return blasStatus().available ? loaded : undefined;
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
  loaded!.setThreads(threads);
  try {
    loaded!.sgemm(a, 0, 0, a, 0, 0, c, 0, 1, n, n, n, false, false);
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      loaded!.sgemm(a, 0, 0, a, 0, 0, c, 0, 1, n, n, n, false, false);
      reps++;
    }
    return (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9;
  } finally {
    loaded!.setThreads(1);
  }
}

