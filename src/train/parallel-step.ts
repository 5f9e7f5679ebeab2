import { RuntimeFailure } from '../errors.js';
import { seedsPerLoss, type ReplicaPool } from '../parallel/pool.js';
import type { StepContext, TrainStep } from './step.js';

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
