import { join } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import { transitionMask } from '../data/constraints.js';
import type { Scheme } from '../data/schemes.js';
import type { Tagger } from '../model/tagger.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';
import { replicaCount, startReplicas } from '../parallel/replicas.js';
import type { ReplicaPool } from '../parallel/pool.js';
import { Predictor } from '../predict/predictor.js';
import { appendLine } from '../util/files.js';
import { writeFailure } from '../util/fs-errors.js';
import { armInterrupts, installInterruptHandlers, resumeCommand } from '../util/interrupt.js';
import { Rng } from '../util/rng.js';
import { versions } from '../util/versions.js';
import { buildOptimizer, importPortableState, portableState } from './build-optimizer.js';
import { saveModelDir, type NerModelMeta } from '../store/model-dir.js';
import { checkResumeInputs, saveState } from './resume-state.js';
import type { Corpus } from './corpus.js';
import { runEpochs } from './epochs.js';
import { evaluateCorpus, type CorpusEvaluation } from './evaluate.js';
import { finishRun, type TrainResult } from './finish.js';
import { freshState, prepareRun, type PreparedRun } from './prepare.js';
import type { Progress } from '../util/progress.js';
import { encoderWeights, pitfallSlowWeights } from './start-weights.js';
import { parallelStep } from './parallel-step.js';
import { localStep, type StepContext, type TrainStep } from './step.js';

export type { TrainResult } from './finish.js';

/** What an evaluation may use: the model as it is now (its weights change between calls). */
export interface EvaluateContext {
  tagger: Tagger;
  predictor: Predictor;
  fileScheme: Scheme;
}

export interface TrainHooks {
  progress: Progress;
  /** Called once the optimizer exists and the model holds its starting weights (compare's ablations use it). */
  beforeTraining?: (o: { tagger: Tagger; optimizer: StatefulOptimizer; resumed: boolean }) => void;
  /**
   * Builds the optimizer step (called after beforeTraining). `standard` is the step the run would
   * use: localStep in this thread, or the data-parallel step over replica threads (--workers).
   */
  makeStep?: (ctx: StepContext, standard: TrainStep) => TrainStep;
  /** Scores a corpus (dev after every epoch; dev and test of the best model at the end); default: evaluateLocally. */
  evaluate?: (corpus: Corpus, ctx: EvaluateContext) => Promise<CorpusEvaluation>;
}

/** The default evaluation: the predictor in this process, scored in the files' scheme. */
export async function evaluateLocally(corpus: Corpus, ctx: EvaluateContext): Promise<CorpusEvaluation> {
  return evaluateCorpus(ctx.predictor, corpus, { fileScheme: ctx.fileScheme });
}

/**
 * Trains a model into cfg.out (or continues the run there when `resume`), in four phases:
 * prepare (folder, data, model) → build the optimizer → run the epochs → finish (score the best model).
 */
export async function train(cfg: TrainConfig, resume: boolean, hooks: TrainHooks): Promise<TrainResult> {
  const { progress } = hooks;
  const run = await prepareRun(cfg, resume, progress);
  const { tagger } = run.model;
  let optimizer: StatefulOptimizer | undefined;
  let pool: ReplicaPool | undefined;
  let failed = true;
  try {
    optimizer = buildOptimizer(cfg, run.batchesPerEpoch);
    const scope = tagger.params.scope + '/';
    // Encoder weights training starts from (rebuilt identically on resume), for the drift measure.
    const startEncoder = encoderWeights(tagger);
    startFrom(cfg, run, optimizer, scope);
    hooks.beforeTraining?.({ tagger, optimizer, resumed: Boolean(run.saved) });

    const { data } = run;
    const replicas = replicaCount(cfg.workers, run.backend);
    pool = await startReplicas(tagger, replicas, run.backend, run.model.tokenizer.padId);
    progress.log(`replicas: ${replicas} (${cfg.workers === null ? 'one per core' : '--workers'}${pool ? ', gradients summed in replica order' : ', this thread only'})`);
    const mask = cfg.constrain ? transitionMask(data.labels, data.scheme) : undefined;
    const predictor = new Predictor(tagger, run.model.tokenizer, { maxLen: cfg.maxLen, batchSize: cfg.batchSize, ...(mask ? { mask } : {}), ...(pool ? { decoder: pool.decode.bind(pool) } : {}) });
    const evaluate = (corpus: Corpus) => {
      // Evaluations follow optimizer steps or a restored best model: the replicas reload first.
      pool?.weightsChanged();
      return (hooks.evaluate ?? evaluateLocally)(corpus, { tagger, predictor, fileScheme: data.fileScheme });
    };
    const meta = modelMeta(cfg, run);
    const state = run.saved?.trainer ?? freshState(cfg);
    const logPath = join(cfg.out, 'train_log.jsonl');
    // The step this process starts from (null: from scratch): its time and throughput cover only the steps after it.
    const resumedFromStep = run.saved ? state.step : null;
    if (run.saved && state.finished) progress.log(finishedMessage(cfg, state));
    else if (run.saved) progress.log(`resuming ${cfg.out} at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch}/${run.batchesPerEpoch})`);

    const trainable = tagger.params.trainable();
    const dropoutRng = new Rng(state.dropoutRng);
    const seeds = () => dropoutRng.int(2 ** 31 - 1);
    const ctx = { tagger, optimizer, trainable, padId: run.model.tokenizer.padId, seeds, cfg };
    const standard = pool ? parallelStep(pool, ctx, join(cfg.out, 'state')) : localStep(ctx);
    const step = hooks.makeStep ? hooks.makeStep(ctx, standard) : standard;
    installInterruptHandlers();
    armInterrupts(true);
    const throughput = await runEpochs({
      cfg,
      examples: run.examples,
      state,
      progress,
      optimizer,
      scope,
      dropoutRng,
      step,
      evaluateDev: () => evaluate(data.dev),
      saveBest: () => guarded(cfg.out, () => saveModelDir(cfg.out, { spec: tagger.spec, meta, params: tagger.params.toHost(), tokenizer: run.model.tokenizerFiles })),
      checkpoint: () => guarded(join(cfg.out, 'state'), () => saveState(cfg.out, { trainer: state, params: tagger.params.toHost(), optimizer: portableState(optimizer!, scope) })),
      log: (record) => guarded(logPath, () => appendLine(logPath, JSON.stringify(record))),
    });
    const result = await finishRun({ cfg, backend: run.backend, replicas, tagger, data, state, throughput, resumedFromStep, startEncoder, evaluate });
    failed = false;
    return result;
  } finally {
    armInterrupts(false);
    run.release(failed);
    progress.stop();
    await pool?.close();
    optimizer?.dispose();
    tagger.dispose();
  }
}

/** The weights and optimizer state training starts from: a resumed run's, and the Lookahead ablation's slow weights. */
function startFrom(cfg: TrainConfig, run: PreparedRun, optimizer: StatefulOptimizer, scope: string): void {
  const { tagger } = run.model;
  if (run.saved) {
    checkResumeInputs(cfg.out, run.saved, { labels: run.data.labels, vocabRows: tagger.spec.bert.vocabSize, train: cfg.train });
    tagger.params.assign(run.saved.params);
    importPortableState(optimizer, run.saved.optimizer, scope);
  }
  if (cfg.lookaheadSlowWeights !== 'start' && !run.saved) pitfallSlowWeights(tagger, optimizer, cfg);
}

/** What --resume on a run that already ended says: nothing is left, and how to train further. */
function finishedMessage(cfg: TrainConfig, state: { epoch: number; bestEpoch: number }): string {
  return (
    `ner train: ${cfg.out} is a finished run (${state.epoch} of ${cfg.epochs} epochs done, best epoch ${state.bestEpoch}): nothing is left to resume, so its saved model is scored again. ` +
    `To train further, resume it with more epochs (--resume --epochs ${state.epoch + 1} or more: the schedule is stretched to the new length), or start a new run from it: ner train --model ${cfg.out} --out NEW_DIR (same data; the encoder starts from this model's weights, the optimizer and schedule afresh)`
  );
}

/** The `ner` section of the saved model's config.json. */
function modelMeta(cfg: TrainConfig, run: PreparedRun): NerModelMeta {
  const { data } = run;
  return {
    spec: { numLayers: run.model.tagger.spec.numLayers, labels: data.labels, lstmHidden: cfg.lstmHidden, crf: cfg.crf, dropout: cfg.dropout },
    scheme: data.scheme,
    fileScheme: data.fileScheme,
    maxLen: cfg.maxLen,
    constrain: cfg.constrain,
    config: cfg as unknown as Record<string, unknown>,
    data: run.summary,
    versions: versions(run.backend),
  };
}

/** A failed write (disk full, permissions, read-only) says which path and what to do; the last complete state stays. */
function guarded(path: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    throw writeFailure(path, err, `continue with: ${resumeCommand()}`);
  }
}
