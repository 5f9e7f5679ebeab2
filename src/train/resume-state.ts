import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
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
 * Replaces dir/state/ as a whole (weights, optimizer tensors, trainer scalars): written to a
 * temporary folder, then swapped in, so a crash leaves the old state or the new one.
 */
export function saveState(dir: string, s: SavedState): void {
  const state = join(dir, 'state');
  const tmp = join(dir, `state.tmp-${process.pid}`);
  const old = join(dir, 'state.old');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'weights.safetensors'), encodeSafetensors(s.params));
  writeFileSync(
    join(tmp, 'optimizer.safetensors'),
    encodeSafetensors(Object.entries(s.optimizer.tensors).map(([k, t]) => [k, { shape: t.shape, values: t.values }])),
  );
  writeFileSync(join(tmp, 'trainer.json'), JSON.stringify(snakeKeys({ ...s.trainer, optimizerScalars: s.optimizer.scalars }), null, 2));
  rmSync(old, { recursive: true, force: true });
  if (existsSync(state)) renameSync(state, old);
  renameSync(tmp, state);
  rmSync(old, { recursive: true, force: true });
}

export function loadState(dir: string): SavedState | undefined {
  // A crash between the two renames leaves the previous state in state.old.
  const state = existsSync(join(dir, 'state', 'trainer.json')) ? join(dir, 'state') : existsSync(join(dir, 'state.old', 'trainer.json')) ? join(dir, 'state.old') : undefined;
  if (!state) return undefined;
  const trainer = camelKeys<TrainerState>(JSON.parse(readFileSync(join(state, 'trainer.json'), 'utf8')));
  const params = parseSafetensors(readFileSync(join(state, 'weights.safetensors'))).weights;
  const opt = parseSafetensors(readFileSync(join(state, 'optimizer.safetensors'))).weights;
  return {
    trainer,
    params,
    optimizer: { scalars: trainer.optimizerScalars, tensors: Object.fromEntries([...opt].map(([k, t]) => [k, { shape: t.shape, values: t.values }])) },
  };
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
