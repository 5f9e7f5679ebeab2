import { optimizerOptionsOf } from '../config/optimizer.js';
import type { TrainConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { OptimizerState, StatefulOptimizer } from '../optim/optimizer.js';
import { createOptimizer, OptimizerOptionError } from '../optim/registry.js';

/** Saved optimizer states name variables with this instead of the process-local Params scope. */
const SCOPE = '<scope>';

/** Steps the schedule spans and its warmup (a fraction of them when < 1, else a count). */
export function scheduleSteps(cfg: TrainConfig, batchesPerEpoch: number): { totalSteps: number; warmupSteps: number } {
  const totalSteps = cfg.epochs * batchesPerEpoch;
  const warmupSteps = cfg.warmup < 1 ? Math.round(cfg.warmup * totalSteps) : Math.min(Math.round(cfg.warmup), totalSteps);
  return { totalSteps, warmupSteps };
}

/** Phase 2 of a run: the optimizer of cfg, its schedule over the whole run. */
export function buildOptimizer(cfg: TrainConfig, batchesPerEpoch: number): StatefulOptimizer {
  const { totalSteps, warmupSteps } = scheduleSteps(cfg, batchesPerEpoch);
  try {
    return createOptimizer(cfg.optimizer, optimizerOptionsOf(cfg, { kind: cfg.schedule, warmupSteps, totalSteps }));
  } catch (err) {
    if (err instanceof OptimizerOptionError) throw new UsageError(`--optimizer ${cfg.optimizer}: ${err.message}`);
    throw err;
  }
}

function renameScope(state: OptimizerState, from: string, to: string): OptimizerState {
  const rename = (k: string) => k.split(from).join(to);
  return { scalars: state.scalars, tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [rename(k), t])) };
}

/** The optimizer's state with variable names independent of this process's scope (for saving). */
export function portableState(optimizer: StatefulOptimizer, scope: string): OptimizerState {
  return renameScope(optimizer.exportState(), scope, SCOPE + '/');
}

/** Loads a state saved by portableState into the optimizer of a model in `scope`. */
export function importPortableState(optimizer: StatefulOptimizer, state: OptimizerState, scope: string): void {
  optimizer.importState(renameScope(state, SCOPE + '/', scope));
}
