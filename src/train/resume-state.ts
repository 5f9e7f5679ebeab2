import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { mkdirStep, removeStep, renameStep, writeDurable } from '../util/files.js';
import type { OptimizerState } from '../optim/optimizer.js';
import { readModelDir } from '../store/model-dir.js';
import { encodeSafetensors, parseSafetensors } from '../weights/safetensors.js';
import type { HostTensor } from '../spec/host-tensor.js';
import { camelKeys, snakeKeys } from '../util/json-keys.js';

/** Everything needed to continue a run exactly. */
export interface TrainerState {
  /** Completed optimizer steps. */
  step: number;
  /** Epoch in progress (0-based) and batches of it already done. */
  epoch: number;
  batchInEpoch: number;
  /** Generator state at the start of this epoch (recreates its batch order) and for dropout now. */
  epochRng: number;
  dropoutRng: number;
  bestDevF1: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
  /** Per-epoch records already logged. */
  history: Record<string, unknown>[];
  optimizerScalars: Record<string, number>;
  /** The resolved config of the run (a resume must use the same). */
  config: Record<string, unknown>;
  finished: boolean;
}

export interface SavedState {
  trainer: TrainerState;
  params: Map<string, HostTensor>;
  optimizer: OptimizerState;
}

/**
 * Replaces dir/state/ as a whole (weights, optimizer tensors, trainer scalars). The new state is
 * written complete (trainer.json last, each file flushed) to state.tmp-<pid>; then
 *   state → state.old, state.tmp-<pid> → state, state.old removed.
 * At every moment a complete state exists under `state` or `state.old`, and loadState finds it:
 * state.old is only ever deleted while a complete `state` exists (recoverState restores it first).
 */
export function saveState(dir: string, s: SavedState): void {
  const state = join(dir, 'state');
  const tmp = join(dir, `state.tmp-${process.pid}`);
  const old = join(dir, 'state.old');
  if (existsSync(tmp)) removeStep(tmp);
  mkdirStep(tmp);
  try {
    writeDurable(join(tmp, 'weights.safetensors'), encodeSafetensors(s.params));
    writeDurable(
      join(tmp, 'optimizer.safetensors'),
      encodeSafetensors(Object.entries(s.optimizer.tensors).map(([k, t]) => [k, { shape: t.shape, values: t.values }])),
    );
    writeDurable(join(tmp, 'trainer.json'), JSON.stringify(snakeKeys({ ...s.trainer, optimizerScalars: s.optimizer.scalars }), null, 2));
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true }); // disk full or the like: no half-written folder stays behind
    throw err;
  }
  recoverState(dir);
  if (existsSync(old)) removeStep(old);
  if (existsSync(state)) renameStep(state, old);
  renameStep(tmp, state);
  if (existsSync(old)) removeStep(old);
}

const complete = (d: string) => existsSync(join(d, 'trainer.json'));

/**
 * After a crash in the middle of a swap, only state.old may hold the complete state: move it
 * back, so `state` is the one to trust; a state.old beside a complete state is left over: removed.
 */
export function recoverState(dir: string): void {
  const state = join(dir, 'state');
  const old = join(dir, 'state.old');
  if (!complete(state) && complete(old)) {
    if (existsSync(state)) removeStep(state);
    renameStep(old, state);
  } else if (complete(state) && existsSync(old)) {
    removeStep(old); // a crash after the swap, before state.old was removed
  }
}

/** Temporary files of earlier processes that died mid-write (the caller holds the folder's lock, so none is live). */
export function removeOrphans(dir: string): string[] {
  const orphans = readdirSync(dir).filter((f) => /\.(tmp|stale)-\d+$/.test(f) && !f.endsWith(`-${process.pid}`));
  for (const f of orphans) removeStep(join(dir, f));
  return orphans;
}

export function loadState(dir: string): SavedState | undefined {
  const state = complete(join(dir, 'state')) ? join(dir, 'state') : complete(join(dir, 'state.old')) ? join(dir, 'state.old') : undefined;
  if (!state) return undefined;
  try {
    const trainer = camelKeys<TrainerState>(JSON.parse(readFileSync(join(state, 'trainer.json'), 'utf8')));
    const params = parseSafetensors(readFileSync(join(state, 'weights.safetensors'))).weights;
    const opt = parseSafetensors(readFileSync(join(state, 'optimizer.safetensors'))).weights;
    return {
      trainer,
      params,
      optimizer: { scalars: trainer.optimizerScalars, tensors: Object.fromEntries([...opt].map(([k, t]) => [k, { shape: t.shape, values: t.values }])) },
    };
  } catch (err) {
    throw new InputError(state, undefined, `the saved training state cannot be read (${(err as Error).message}); the disk may be damaged: start a new --out`);
  }
}

/** Refuses to resume the run in `dir` when the data or model now give other labels or another vocabulary size. */
export function checkResumeInputs(dir: string, saved: { params: Map<string, HostTensor> }, now: { labels: string[]; vocabRows: number; train: string }): void {
  const prior = readModelDir(dir)?.spec.labels;
  if (prior && prior.join('\u0000') !== now.labels.join('\u0000')) {
    throw new UsageError(`the run in ${dir} was trained on labels ${prior.join(', ')} but ${now.train} now gives ${now.labels.join(', ')}; resume with the same data, or start a new --out`);
  }
  const rows = saved.params.get('bert.embeddings.word_embeddings.weight')?.shape[0];
  if (rows !== undefined && rows !== now.vocabRows) {
    throw new UsageError(`the run in ${dir} has a ${rows}-entry vocabulary but the model now built has ${now.vocabRows}; the training data or model changed since it started — resume with the same inputs, or start a new --out`);
  }
}
