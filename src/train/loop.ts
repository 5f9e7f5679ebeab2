import * as tf from '@tensorflow/tfjs';
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend, type BackendInfo } from '../backend.js';
import type { TrainConfig } from '../config/schema.js';
import { transitionMask } from '../data/constraints.js';
import { microBatches, type Example } from '../data/batches.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import type { Evaluation } from '../metrics/evaluate.js';
import type { Tagger } from '../model/tagger.js';
import type { OptimizerState, StatefulOptimizer } from '../optim/optimizer.js';
import { createOptimizer, OptimizerOptionError, type OptimizerOptions } from '../optim/registry.js';
import { Predictor } from '../predict/predictor.js';
import { Rng } from '../util/rng.js';
import { versions } from '../util/versions.js';
import { checkResumeInputs, loadState, readModelDir, saveModelDir, saveState, writeAtomic, type NerModelMeta, type TrainerState } from './checkpoint.js';
import { prepareData, trainingExamples } from './corpus.js';
import { evaluateCorpus } from './evaluate.js';
import { initialModel } from './init-model.js';
import { accumulatedStep } from './step.js';
import { encoderWeights, relativeDistance, slowWeightsFromInit } from './start-weights.js';
import type { Progress } from './progress.js';

export interface TrainHooks {
  progress: Progress;
  /** Called once the optimizer exists and the model holds its starting weights (compare's ablations use it). */
  beforeTraining?: (o: { tagger: Tagger; optimizer: StatefulOptimizer; resumed: boolean }) => void;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

export interface TrainResult {
  out: string;
  backend: BackendInfo;
  bestEpoch: number;
  steps: number;
  trainSeconds: number;
  tokensPerSecond: number;
  /** ‖θ_encoder,final − θ_encoder,start‖ / ‖θ_encoder,start‖ (final = last step, not the best epoch). */
  encoderDrift: number;
  dev: Scores & { outsideFraction: number };
  test: (Scores & { outsideFraction: number; perType: Evaluation['perType'] }) | null;
  history: Record<string, unknown>[];
}

const HEAD = '/(lstm|classifier|crf)\\.';
const SCOPE = '<scope>';

/** Batch order of one epoch: shuffle, sort by length within pools of 100 batches, shuffle the batches. */
export function epochBatches(lengths: readonly number[], batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffle(lengths.map((_, i) => i));
  const batches: number[][] = [];
  const pool = batchSize * 100;
  for (let p = 0; p < order.length; p += pool) {
    const chunk = order.slice(p, p + pool).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    for (let i = 0; i < chunk.length; i += batchSize) batches.push(chunk.slice(i, i + batchSize));
  }
  return rng.shuffle(batches);
}

function renameScope(state: OptimizerState, from: string, to: string): OptimizerState {
  const rename = (k: string) => k.split(from).join(to);
  return { scalars: state.scalars, tensors: Object.fromEntries(Object.entries(state.tensors).map(([k, t]) => [rename(k), t])) };
}

const comparable = (c: TrainConfig) => JSON.stringify({ ...c, backend: undefined });

export async function train(cfg: TrainConfig, resume: boolean, hooks: TrainHooks): Promise<TrainResult> {
  const { progress } = hooks;
  const backend = await selectBackend(cfg.backend);
  const saved = resume ? loadState(cfg.out) : undefined;
  if (resume && !saved) throw new UsageError(`${cfg.out} holds no training state to resume; run without --resume to start`);
  if (!resume && existsSync(cfg.out) && readdirSync(cfg.out).some((f) => f === 'state' || f === 'model.safetensors' || f === 'state.old')) {
    throw new UsageError(`${cfg.out} already holds a training run; pass --resume to continue it, or choose another --out`);
  }
  if (saved && comparable(saved.trainer.config as unknown as TrainConfig) !== comparable(cfg)) {
    const old = saved.trainer.config as Record<string, unknown>;
    const diff = Object.keys(cfg).filter((k) => k !== 'backend' && JSON.stringify(old[k]) !== JSON.stringify((cfg as unknown as Record<string, unknown>)[k]));
    throw new UsageError(`--resume needs the settings of the run in ${cfg.out}; these differ: ${diff.join(', ')}`);
  }
  mkdirSync(cfg.out, { recursive: true });
  progress.log(`ner train: backend ${backend.name} (${backend.provider})${backend.skipped.length ? `; passed over: ${backend.skipped.join('; ')}` : ''}`);
  progress.log(`config: ${JSON.stringify(cfg)}`);

  const data = await prepareData(cfg);
  const initRng = new Rng(cfg.seed);
  const model = await initialModel(cfg, data, initRng);
  const { tagger, tokenizer } = model;
  try {
    if (model.report) {
      const r = model.report;
      progress.log(`checkpoint ${cfg.model}: ${r.missing.length} missing${r.missing.length ? ` (${r.missing.join(', ')})` : ''}, ${r.unexpected.length} unexpected${r.unexpected.length ? ` (${r.unexpected.join(', ')})` : ''}, ${r.ignored.length} ignored`);
    }
    const examples: Example[] = trainingExamples(data.train, tokenizer, data.labels, cfg.maxLen);
    const batchesPerEpoch = Math.ceil(examples.length / cfg.batchSize);
    const totalSteps = cfg.epochs * batchesPerEpoch;
    const warmupSteps = cfg.warmup < 1 ? Math.round(cfg.warmup * totalSteps) : Math.min(Math.round(cfg.warmup), totalSteps);
    let optimizer: StatefulOptimizer;
    try {
      optimizer = createOptimizer(cfg.optimizer, {
        ...(cfg.optimizerOptions as OptimizerOptions),
        learningRate: cfg.lr,
        weightDecay: cfg.weightDecay,
        excludeFromWeightDecay: ['LayerNorm', 'layer_norm', 'bias'],
        clipNorm: cfg.clipNorm,
        schedule: { kind: cfg.schedule, warmupSteps, totalSteps },
        groups: cfg.headLr !== null ? [{ match: HEAD, learningRate: cfg.headLr }] : [],
      });
    } catch (err) {
      if (err instanceof OptimizerOptionError) throw new UsageError(`--optimizer ${cfg.optimizer}: ${err.message}`);
      throw err;
    }
    const scope = tagger.params.scope + '/';
    // Encoder weights training starts from (rebuilt identically on resume), for the drift measure.
    const startEncoder = encoderWeights(tagger);
    if (saved) {
      checkResumeInputs(cfg.out, saved, { labels: data.labels, vocabRows: tagger.spec.bert.vocabSize, train: cfg.train });
      tagger.params.assign(saved.params);
      optimizer.importState(renameScope(saved.optimizer, SCOPE + '/', scope));
    }
    if (cfg.lookaheadSlowWeights === 'init' && !saved) slowWeightsFromInit(tagger, optimizer, cfg);
    hooks.beforeTraining?.({ tagger, optimizer, resumed: Boolean(saved) });

    const mask = cfg.constrain ? transitionMask(data.labels, data.scheme) : undefined;
    const predictor = new Predictor(tagger, tokenizer, { maxLen: cfg.maxLen, batchSize: cfg.batchSize, ...(mask ? { mask } : {}) });
    const meta: NerModelMeta = {
      spec: { numLayers: tagger.spec.numLayers, labels: data.labels, lstmHidden: cfg.lstmHidden, crf: cfg.crf, dropout: cfg.dropout },
      scheme: data.scheme,
      fileScheme: data.fileScheme,
      maxLen: cfg.maxLen,
      constrain: cfg.constrain,
      config: cfg as unknown as Record<string, unknown>,
      versions: versions(backend),
    };
    const state: TrainerState = saved?.trainer ?? {
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
    const logPath = join(cfg.out, 'train_log.jsonl');
    const log = (record: Record<string, unknown>) => appendFileSync(logPath, JSON.stringify(record) + '\n');
    const checkpoint = () =>
      saveState(cfg.out, { trainer: state, params: tagger.params.toHost(), optimizer: renameScope(optimizer.exportState(), scope, SCOPE + '/') });
    if (saved) progress.log(`resuming ${cfg.out} at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch}/${batchesPerEpoch})`);

    const trainable = tagger.params.trainable();
    const dropoutRng = new Rng(state.dropoutRng);
    const seeds = () => dropoutRng.int(2 ** 31 - 1);
    let trainSeconds = 0;
    let trainWords = 0;
    while (!state.finished && state.epoch < cfg.epochs) {
      const epochRng = new Rng(state.epochRng);
      const order = epochBatches(examples.map((e) => e.window.inputIds.length), cfg.batchSize, epochRng);
      progress.start(`epoch ${state.epoch + 1}/${cfg.epochs}`, order.length, state.batchInEpoch);
      let lossSum = 0;
      let lossCount = 0;
      let epochLoss = 0;
      let epochBatchesDone = 0;
      let windowStart = Date.now();
      let windowWords = 0;
      let tps = 0;
      for (let b = state.batchInEpoch; b < order.length; b++) {
        const chosen = order[b]!.map((i) => examples[i]!);
        const lr = optimizer.learningRateFor(`${scope}bert.embeddings.word_embeddings.weight`);
        const t0 = Date.now();
        const loss = accumulatedStep(tagger, optimizer, trainable, microBatches(chosen, cfg.maxBatchPieces), tokenizer.padId, seeds);
        const words = chosen.reduce((a, e) => a + e.window.wordStarts.length, 0);
        if (!Number.isFinite(loss)) {
          log({ type: 'error', step: state.step + 1, epoch: state.epoch + 1, loss: String(loss) });
          progress.stop();
          throw new RuntimeFailure(
            `the loss became ${loss} at step ${state.step + 1} (epoch ${state.epoch + 1}); nothing was applied from that step. ` +
              `The last good state is in ${join(cfg.out, 'state')}${state.bestEpoch >= 0 ? ` and the best model in ${cfg.out}` : ''}. Lower --lr, or set --clip-norm.`,
          );
        }
        trainSeconds += (Date.now() - t0) / 1000;
        trainWords += words;
        windowWords += words;
        lossSum += loss;
        lossCount += 1;
        epochLoss += loss;
        epochBatchesDone += 1;
        state.step += 1;
        state.batchInEpoch = b + 1;
        state.dropoutRng = dropoutRng.state;
        const elapsed = (Date.now() - windowStart) / 1000;
        if (elapsed > 0.5) {
          tps = windowWords / elapsed;
          windowStart = Date.now();
          windowWords = 0;
        }
        progress.update(b + 1, { loss, lr, tokensPerSecond: tps || trainWords / Math.max(trainSeconds, 1e-9) });
        if (state.step % cfg.logEvery === 0) {
          log({ type: 'step', step: state.step, epoch: state.epoch + 1, loss: lossSum / lossCount, lr, head_lr: optimizer.learningRateFor(`${scope}crf.transitions`), tokens_per_second: trainWords / trainSeconds });
          lossSum = 0;
          lossCount = 0;
        }
        if (state.step % cfg.saveEvery === 0 && b + 1 < order.length) checkpoint();
      }
      progress.stop();
      // End of epoch: score dev, keep the best model, maybe stop early.
      const dev = evaluateCorpus(predictor, data.dev, { fileScheme: data.fileScheme });
      const record = {
        type: 'epoch',
        epoch: state.epoch + 1,
        step: state.step,
        // Mean over the batches this process ran (all of them unless the epoch was resumed).
        train_loss: epochBatchesDone > 0 ? epochLoss / epochBatchesDone : null,
        dev_precision: dev.evaluation.micro.precision,
        dev_recall: dev.evaluation.micro.recall,
        dev_f1: dev.evaluation.micro.f1,
        dev_outside_fraction: dev.outsideFraction,
        tokens_per_second: trainWords / Math.max(trainSeconds, 1e-9),
      };
      log(record);
      state.history.push(record);
      progress.log(`epoch ${state.epoch + 1}: dev P ${pct(record.dev_precision)} R ${pct(record.dev_recall)} F1 ${pct(record.dev_f1)}`);
      // A tie goes to the later, more trained model (early on, several epochs can all score 0 on a
      // small dev set); only a strictly better F1 resets the patience count.
      const f1 = dev.evaluation.micro.f1;
      state.epochsWithoutImprovement = f1 > state.bestDevF1 ? 0 : state.epochsWithoutImprovement + 1;
      if (f1 >= state.bestDevF1) {
        state.bestDevF1 = f1;
        state.bestEpoch = state.epoch + 1;
        saveModelDir(cfg.out, { spec: tagger.spec, meta, params: tagger.params.toHost(), tokenizer: model.tokenizerFiles });
      }
      state.epoch += 1;
      state.batchInEpoch = 0;
      state.epochRng = epochRng.state;
      if (cfg.patience !== null && state.epochsWithoutImprovement >= cfg.patience) {
        progress.log(`no better dev F1 for ${cfg.patience} epoch(s): stopping early`);
        state.finished = true;
      }
      if (state.epoch >= cfg.epochs) state.finished = true;
      checkpoint();
    }

    const drift = relativeDistance(encoderWeights(tagger), startEncoder);
    // Score the best model (as saved) on dev and test, exactly as `ner eval --model` will.
    const best = readModelDir(cfg.out)!;
    tagger.params.assign(best.params);
    const dev = evaluateCorpus(predictor, data.dev, { fileScheme: data.fileScheme });
    const test = data.test ? evaluateCorpus(predictor, data.test, { fileScheme: data.fileScheme }) : null;
    const scores = (e: Evaluation) => ({ precision: e.micro.precision, recall: e.micro.recall, f1: e.micro.f1 });
    const result: TrainResult = {
      out: cfg.out,
      backend,
      bestEpoch: state.bestEpoch,
      steps: state.step,
      trainSeconds,
      tokensPerSecond: trainWords / Math.max(trainSeconds, 1e-9),
      encoderDrift: drift,
      dev: { ...scores(dev.evaluation), outsideFraction: dev.outsideFraction },
      test: test ? { ...scores(test.evaluation), outsideFraction: test.outsideFraction, perType: test.evaluation.perType } : null,
      history: state.history,
    };
    writeAtomic(
      join(cfg.out, 'metrics.json'),
      JSON.stringify(
        {
          best_epoch: result.bestEpoch,
          steps: result.steps,
          train_seconds_this_process: trainSeconds,
          tokens_per_second: result.tokensPerSecond,
          encoder_drift: drift,
          backend: backend.name,
          dev: { ...result.dev, per_type: dev.evaluation.perType, file: data.dev.file },
          test: test ? { ...result.test, file: data.test!.file } : null,
        },
        null,
        2,
      ),
    );
    return result;
  } finally {
    progress.stop();
    tagger.dispose();
  }
}

const pct = (x: number) => (100 * x).toFixed(2);
