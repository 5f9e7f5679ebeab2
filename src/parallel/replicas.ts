import { availableParallelism } from 'node:os';
import type { BackendInfo } from '../backend.js';
import { UsageError } from '../errors.js';
import type { Tagger } from '../model/tagger.js';
import { ReplicaPool } from './pool.js';
import type { TaskInit } from './protocol.js';

/**
 * How many replicas (threads computing gradients or decodings) a run uses: `null` (auto) means
 * one per core on wasm and cpu, whose kernels run on one thread, and 1 on libtensorflow, which
 * threads its own kernels (and a GPU is one device).
 */
export function replicaCount(setting: number | null, backend: BackendInfo): number {
  if (setting !== null) {
    if (!Number.isInteger(setting) || setting < 1) throw new UsageError(`--workers must be a whole number ≥ 1 (got ${setting})`);
    return setting;
  }
  // NER_WORKERS sets the automatic count (CI runs the suite with 1 and with 2).
  const env = process.env.NER_WORKERS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`NER_WORKERS must be a whole number ≥ 1 (got '${env}')`);
    return n;
  }
  return backend.name === 'tensorflow' ? 1 : Math.max(1, availableParallelism());
}

/**
 * Starts the replica threads for a tagger, or returns undefined when one replica (this thread) is
 * asked for; with a `task` module, `count` threads that run its tasks, and the main thread
 * computes nothing (ner serve).
 */
export async function startReplicas(tagger: Tagger, count: number, backend: BackendInfo, padId: number, task?: TaskInit): Promise<ReplicaPool | undefined> {
  if (count <= 1 && !task) return undefined;
  return ReplicaPool.start(tagger, count, { backend: backend.name as 'wasm' | 'cpu' | 'tensorflow', padId, ...(task ? { task } : {}) });
}
