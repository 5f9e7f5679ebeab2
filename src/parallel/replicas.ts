import { availableParallelism } from 'node:os';
import type { BackendInfo } from '../backend.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import type { Tagger } from '../model/tagger.js';
import type { BatchDecoder } from '../predict/predictor.js';
import type { StepContext, TrainStep } from '../train/step.js';
import { ReplicaPool, seedsPerLoss } from './pool.js';

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

/** Starts the replica threads for a tagger, or returns undefined when one replica (this thread) is asked for. */
export async function startReplicas(tagger: Tagger, count: number, backend: BackendInfo, padId: number): Promise<ReplicaPool | undefined> {
  if (count <= 1) return undefined;
  return ReplicaPool.start(tagger, count, { backend: backend.name as 'wasm' | 'cpu' | 'tensorflow', padId });
}

/**
 * The data-parallel optimizer step. A replica that dies mid-step stops the run: nothing of that
 * step was applied, and the last checkpoint (saved atomically) is where `--resume` continues.
 */
export function parallelStep(pool: ReplicaPool, ctx: StepContext, out: string): TrainStep {
  const seedsPerPart = seedsPerLoss(ctx.tagger);
  const o = { optimizer: ctx.optimizer, trainable: ctx.trainable, maxBatchPieces: ctx.cfg.maxBatchPieces, padId: ctx.padId, seeds: ctx.seeds, seedsPerPart };
  return async (chosen) => {
    try {
      return await pool.step(chosen, o);
    } catch (err) {
      if (!(err instanceof RuntimeFailure)) throw err;
      throw new RuntimeFailure(`${err.message}; the run stopped and nothing of this step was applied. The last checkpoint in ${out} is intact: rerun the same command with --resume to continue from it.`);
    }
  };
}

/** A Predictor decoder over the pool's replicas. */
export function poolDecoder(pool: ReplicaPool): BatchDecoder {
  return (batches, mask) => pool.decode(batches, mask);
}
