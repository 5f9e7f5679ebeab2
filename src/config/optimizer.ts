import { BERT_EXCLUDE, type OptimizerOptions } from '../optim/registry.js';
import type { ScheduleOptions } from '../optim/schedule.js';
import type { TrainConfig } from './schema.js';

/** BiLSTM, CRF and classifier variables: the group `headLr` and `headWeightDecay` apply to. */
const HEAD = '/(lstm|classifier|crf)\\.';

/**
 * The optimizer options a training config gives: its optimizerOptions, the learning rates (the
 * head as its own group), decay without LayerNorm/bias, clipping, and the schedule when known.
 * Used to check a config before anything is read and to build the optimizer.
 */
export function optimizerOptionsOf(cfg: TrainConfig, schedule?: ScheduleOptions): OptimizerOptions {
  const head = { ...(cfg.headLr !== null ? { learningRate: cfg.headLr } : {}), ...(cfg.headWeightDecay !== null ? { weightDecay: cfg.headWeightDecay } : {}) };
  return {
    ...(cfg.optimizerOptions as OptimizerOptions),
    learningRate: cfg.lr,
    weightDecay: cfg.weightDecay,
    excludeFromWeightDecay: BERT_EXCLUDE,
    clipNorm: cfg.clipNorm,
    ...(schedule ? { schedule } : {}),
    groups: Object.keys(head).length > 0 ? [{ match: HEAD, ...head }] : [],
  };
}
