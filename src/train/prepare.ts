import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type BackendInfo } from '../backend.js';
import type { TrainConfig } from '../config/schema.js';
import type { Example } from '../data/batches.js';
import { UsageError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { removeStep, repairLog } from '../util/files.js';
import { lockFolder, type RunLock } from '../util/run-lock.js';
import { checkForeign, checkFreshOut, discardIfEmpty, prepareOut } from './out-folder.js';
import { loadState, recoverState, removeOrphans, type SavedState, type TrainerState } from './resume-state.js';
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
  /** Releases the folder's lock; after a failure, also removes the folders this run created if they stayed empty. */
  release(failed: boolean): void;
}

/**
 * Settings a resume may change: how fast it learns from here on and how long it runs (a
 * finished run can be extended by more epochs), how often it logs and saves, and where it computes
 * (backend, replica threads). Everything else defines the run and must stay as it was.
 */
export const RESUMABLE_SETTINGS = ['lr', 'headLr', 'clipNorm', 'epochs', 'patience', 'logEvery', 'evalEvery', 'saveEvery', 'backend', 'workers'] as const;

const differences = (old: Record<string, unknown>, now: Record<string, unknown>) =>
  Object.keys(now).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(now[k]));

/** The state in cfg.out when resuming; refuses a resume with settings a resume may not change. */
function checkRunFolder(cfg: TrainConfig, resume: boolean, progress: Progress): SavedState | undefined {
  const saved = resume ? loadState(cfg.out) : undefined;
  if (resume && !saved) throw new UsageError(`${cfg.out} holds no training state to resume; run without --resume to start`);
  if (!saved) return undefined;
  const old = saved.trainer.config as Record<string, unknown>;
  const diff = differences(old, cfg as unknown as Record<string, unknown>);
  const fixed = diff.filter((k) => !(RESUMABLE_SETTINGS as readonly string[]).includes(k));
  if (fixed.length > 0) {
    throw new UsageError(`--resume needs the settings of the run in ${cfg.out}; these differ: ${fixed.join(', ')} (a resume may change only ${RESUMABLE_SETTINGS.join(', ')})`);
  }
  const changed = diff.filter((k) => k !== 'backend' && k !== 'workers');
  if (changed.length > 0) progress.log(`resuming with changed settings: ${changed.map((k) => `${k} ${JSON.stringify(old[k])} → ${JSON.stringify((cfg as unknown as Record<string, unknown>)[k])}`).join(', ')}`);
  const t = saved.trainer;
  t.config = cfg as unknown as Record<string, unknown>;
  // More epochs (or more patience) than the run stopped at: it goes on.
  if (t.finished && t.epoch < cfg.epochs && (cfg.patience === null || t.epochsWithoutImprovement < cfg.patience)) t.finished = false;
  return saved;
}

/**
 * Under the folder's lock: leftovers of crashed processes removed, a half-swapped state put back,
 * a torn log line cut; a fresh start drops the log of an attempt that never saved a state.
 */
function tidyRunFolder(dir: string, resume: boolean, progress: Progress): void {
  const orphans = removeOrphans(dir);
  if (orphans.length > 0) progress.log(`ner train: removed ${orphans.join(', ')} left by an interrupted run`);
  recoverState(dir);
  const log = join(dir, 'train_log.jsonl');
  if (!resume && existsSync(log)) {
    removeStep(log);
    progress.log(`ner train: ${log} of an attempt that saved no state was removed: starting from the beginning`);
  } else if (repairLog(log)) progress.log(`ner train: cut the torn last line of ${log} (an interrupted write)`);
}

export async function prepareRun(cfg: TrainConfig, resume: boolean, progress: Progress): Promise<PreparedRun> {
  const backend = await selectBackend(cfg.backend);
  // Somebody else's folder is refused before anything is written into it.
  if (!resume) checkForeign(cfg.out);
  const folder = prepareOut(cfg.out);
  let lock: RunLock | undefined;
  let model: InitialModel | undefined;
  try {
    lock = lockFolder(cfg.out, 'training', (m) => progress.log(`ner train: ${m}`));
    if (!resume) checkFreshOut(cfg.out);
    tidyRunFolder(cfg.out, resume, progress);
    const saved = checkRunFolder(cfg, resume, progress);
    progress.log(`ner train: backend ${backend.label} (${backend.provider}; matrix products: ${backend.kernels})${backend.skipped.length ? `; passed over: ${backend.skipped.join('; ')}` : ''}`);
    progress.log(`config: ${JSON.stringify(cfg)}`);
    const data = await prepareData(cfg);
    for (const w of data.warnings) progress.log(`ner: warning: ${w}`);
    model = await initialModel(cfg, data, new Rng(cfg.seed));
    if (model.report) {
      const r = model.report;
      progress.log(`checkpoint ${cfg.model}: ${r.missing.length} missing${r.missing.length ? ` (${r.missing.join(', ')})` : ''}, ${r.unexpected.length} unexpected${r.unexpected.length ? ` (${r.unexpected.join(', ')})` : ''}, ${r.ignored.length} ignored`);
    }
    const examples = trainingExamples(data.train, model.tokenizer, data.labels, cfg.maxLen);
    const summary = summarizeData(data, model.tokenizer, cfg.maxLen);
    for (const line of formatDataSummary(summary, cfg.maxLen)) progress.log(line);
    const held = lock;
    const release = (failed: boolean) => {
      held.release();
      if (failed) discardIfEmpty(folder);
    };
    return { backend, saved, data, model, examples, batchesPerEpoch: Math.ceil(examples.length / cfg.batchSize), summary, release };
  } catch (err) {
    model?.tagger.dispose();
    lock?.release();
    discardIfEmpty(folder);
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
