import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { selectBackend, type BackendInfo } from '../backend.js';
import type { TrainConfig } from '../config/schema.js';
import type { Example } from '../data/batches.js';
import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { loadState, type SavedState, type TrainerState } from './resume-state.js';
import { prepareData, trainingExamples, type PreparedData } from './corpus.js';
import type { DataSummary } from '../store/data-summary.js';
import { formatDataSummary, summarizeData } from './data-summary.js';
import { initialModel, type InitialModel } from './init-model.js';
import type { Progress } from '../util/progress.js';


/** Phase 1 of a run: the output folder checked, the backend chosen, data read, the model built. */
export interface PreparedRun {
  backend: BackendInfo;
  /** The state to resume from (undefined for a fresh run). */
  saved: SavedState | undefined;
  data: PreparedData;
  model: InitialModel;
  examples: Example[];
  batchesPerEpoch: number;
  summary: DataSummary;
}

// Where a run computes (backend, replica threads) may change on resume; what it computes may not.
const RUNTIME_KEYS = ['backend', 'workers'];
const comparable = (c: TrainConfig) => JSON.stringify({ ...c, backend: undefined, workers: undefined });

/** The state in cfg.out when resuming; refuses a fresh run over an existing one and a resume with other settings. */
function checkRunFolder(cfg: TrainConfig, resume: boolean): SavedState | undefined {
  const saved = resume ? loadState(cfg.out) : undefined;
  if (resume && !saved) throw new UsageError(`${cfg.out} holds no training state to resume; run without --resume to start`);
  if (!resume && existsSync(cfg.out) && readdirSync(cfg.out).some((f) => f === 'state' || f === 'model.safetensors' || f === 'state.old')) {
    throw new UsageError(`${cfg.out} already holds a training run; pass --resume to continue it, or choose another --out`);
  }
  if (saved && comparable(saved.trainer.config as unknown as TrainConfig) !== comparable(cfg)) {
    const old = saved.trainer.config as Record<string, unknown>;
    const diff = Object.keys(cfg).filter((k) => !RUNTIME_KEYS.includes(k) && JSON.stringify(old[k]) !== JSON.stringify((cfg as unknown as Record<string, unknown>)[k]));
    throw new UsageError(`--resume needs the settings of the run in ${cfg.out}; these differ: ${diff.join(', ')}`);
  }
  return saved;
}

export async function prepareRun(cfg: TrainConfig, resume: boolean, progress: Progress): Promise<PreparedRun> {
  const backend = await selectBackend(cfg.backend);
  const saved = checkRunFolder(cfg, resume);
  mkdirSync(cfg.out, { recursive: true });
  progress.log(`ner train: backend ${backend.label} (${backend.provider}; matrix products: ${backend.kernels})${backend.skipped.length ? `; passed over: ${backend.skipped.join('; ')}` : ''}`);
  progress.log(`config: ${JSON.stringify(cfg)}`);
  const data = await prepareData(cfg);
  for (const w of data.warnings) progress.log(`ner: warning: ${w}`);
  const model = await initialModel(cfg, data, new Rng(cfg.seed));
  try {
    if (model.report) {
      const r = model.report;
      progress.log(`checkpoint ${cfg.model}: ${r.missing.length} missing${r.missing.length ? ` (${r.missing.join(', ')})` : ''}, ${r.unexpected.length} unexpected${r.unexpected.length ? ` (${r.unexpected.join(', ')})` : ''}, ${r.ignored.length} ignored`);
    }
    const examples = trainingExamples(data.train, model.tokenizer, data.labels, cfg.maxLen);
    const summary = summarizeData(data, model.tokenizer, cfg.maxLen);
    for (const line of formatDataSummary(summary, cfg.maxLen)) progress.log(line);
    return { backend, saved, data, model, examples, batchesPerEpoch: Math.ceil(examples.length / cfg.batchSize), summary };
  } catch (err) {
    model.tagger.dispose();
    throw err;
  }
}

/** A fresh run's trainer state (generator seeds derived from cfg.seed). */
export function freshState(cfg: TrainConfig): TrainerState {
  return {
    step: 0,
    epoch: 0,
    batchInEpoch: 0,
    epochRng: new Rng(cfg.seed + 1).state,
    dropoutRng: new Rng(cfg.seed + 2).state,
    bestDevF1: -1,
    bestEpoch: -1,
    epochsWithoutImprovement: 0,
    history: [],
    optimizerScalars: {},
    config: cfg as unknown as Record<string, unknown>,
    finished: false,
  };
}
