import * as tf from '@tensorflow/tfjs';
import { UsageError } from './errors.js';
import { blasStatus } from './kernels/addon.js';
import { installBlasMatMul } from './kernels/blas-matmul.js';
import { installAdam } from './kernels/adam.js';
import { installAttention } from './kernels/attention.js';
import { installDropout } from './kernels/dropout.js';
import { installGelu } from './kernels/gelu.js';
import { installLayerNorm } from './kernels/layer-norm.js';
import { installLstm } from './kernels/lstm.js';
import { installSharedIdentity, installSharedIdentityTranspose } from './kernels/identity.js';
import { installUnsortedSegmentSum } from './kernels/unsorted-segment-sum.js';

/**
 * Picks the tfjs backend at run time. `auto` tries tfjs-node-gpu, tfjs-node (libtensorflow;
 * optional dependencies that npm skips where their binary cannot be downloaded), then wasm
 * (single-threaded: the threaded build fails in Node), then the pure-JS cpu backend.
 */
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** tfjs backend name now active: tensorflow | wasm | cpu. */
  name: string;
  /** Which package provided it, e.g. @tensorflow/tfjs-node-gpu. */
  provider: string;
  /** Why earlier candidates were passed over (for `auto`). */
  skipped: string[];
  /** What runs the matrix products (and the fused native kernels), and why: e.g. "OpenBLAS 0.3.21 SkylakeX, 1 thread(s)". */
  kernels: string;
  /** What `ner` reports: the backend plus its native kernels, e.g. wasm+blas. */
  label: string;
}

const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

let active: BackendInfo | undefined;

/** The backend activated by selectBackend, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active;
}

/** Activates a backend (once per process; later calls with the same choice are no-ops). */
export async function selectBackend(choice: BackendChoice = 'auto'): Promise<BackendInfo> {
  if (active && (choice === 'auto' || choice === active.name)) return active;
  const skipped: string[] = [];
  const candidates: BackendChoice[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice];
  for (const candidate of candidates) {
    const provider = await tryBackend(candidate, skipped);
    if (provider) {
      const name = tf.getBackend();
      const blas = name === 'tensorflow' ? undefined : blasStatus();
      const native = name !== 'tensorflow' && installBlasMatMul(name as 'wasm' | 'cpu') && installGelu(name as 'wasm' | 'cpu') && installLayerNorm(name as 'wasm' | 'cpu') && installLstm(name as 'wasm' | 'cpu') && installDropout(name as 'wasm' | 'cpu') && installAdam(name as 'wasm' | 'cpu') && installAttention(name as 'wasm' | 'cpu');
      const kernels = name === 'tensorflow' ? 'libtensorflow' : native ? blas!.detail : `stock ${name} kernels: ${blas!.detail}`;
      active = { name, provider, skipped, kernels, label: native ? `${name}+blas` : name };
      return active;
    }
  }
  throw new UsageError(`--backend ${choice} is not available here: ${skipped.join('; ')}`);
}

async function tryBackend(candidate: BackendChoice, skipped: string[]): Promise<string | undefined> {
  if (candidate === 'tensorflow') {
    for (const pkg of TENSORFLOW_PACKAGES) {
      try {
        await import(pkg);
        if (await tf.setBackend('tensorflow')) return pkg;
        skipped.push(`${pkg}: loaded but its backend did not start`);
      } catch (err) {
        skipped.push(`${pkg}: ${firstLine(err)} (npm install ${pkg})`);
      }
    }
    return undefined;
  }
  if (candidate === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      installUnsortedSegmentSum('wasm');
      installSharedIdentity();
      installSharedIdentityTranspose();
      if (await tf.setBackend('wasm')) return '@tensorflow/tfjs-backend-wasm';
      skipped.push('wasm: the WebAssembly module did not start');
    } catch (err) {
      skipped.push(`wasm: ${firstLine(err)}`);
    }
    return undefined;
  }
  if (candidate === 'cpu') {
    installUnsortedSegmentSum('cpu');
    if (await tf.setBackend('cpu')) {
      // The cpu backend greets Node users on its first write; our CLI output stays clean.
      (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
      return '@tensorflow/tfjs-backend-cpu';
    }
    skipped.push('cpu: did not start');
    return undefined;
  }
  throw new UsageError(`unknown backend '${candidate}'; expected one of ${BACKENDS.join(', ')}`);
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0]!;
}
