import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../config/schema.js';
import type { Example } from '../data/batches.js';
import { RuntimeFailure } from '../errors.js';
import { Interrupted, interruptRequested, restoreTerminal, resumeCommand } from '../util/interrupt.js';
import type { StatefulOptimizer } from '../optim/optimizer.js';
import { Rng } from '../util/rng.js';
import { epochBatches } from './batch-order.js';
import type { TrainerState } from './resume-state.js';
import type { CorpusEvaluation } from './evaluate.js';
import type { Progress } from '../util/progress.js';
import type { TrainStep } from './step.js';

/** Phase 3 of a run: what the epoch loop reads and writes. `state` is updated in place. */
export interface EpochLoop {
  cfg: TrainConfig;
  examples: readonly Example[];
  state: TrainerState;
  progress: Progress;
  /** Read for the learning rates shown and logged. */
  optimizer: StatefulOptimizer;
  /** The model's variable scope + '/'. */
  scope: string;
  dropoutRng: Rng;
  step: TrainStep;
  /** Scores dev with the model as it is now. */
  evaluateDev: () => Promise<CorpusEvaluation>;
  saveBest: () => void;
  checkpoint: () => void;
  log: (record: Record<string, unknown>) => void;
}

/** Time spent in optimizer steps by this process and the words they covered. */
export interface Throughput {
  seconds: number;
  words: number;
}

/** Runs the epochs left (all of them, or the rest of a resumed run). */
export async function runEpochs(loop: EpochLoop): Promise<Throughput> {
  const { state, cfg } = loop;
  const done: Throughput = { seconds: 0, words: 0 };
  const lengths = loop.examples.map((e) => e.window.inputIds.length);
  while (!state.finished && state.epoch < cfg.epochs) {
    const epochRng = new Rng(state.epochRng);
    const order = epochBatches(lengths, cfg.batchSize, epochRng);
    const trainLoss = await runBatches(loop, order, done);
    await endEpoch(loop, epochRng, trainLoss, done);
  }
  return done;
}

/** The batches of the current epoch not done yet; returns their mean loss (null when none ran). */
async function runBatches(loop: EpochLoop, order: number[][], done: Throughput): Promise<number | null> {
  const { state, cfg, progress, optimizer, scope } = loop;
  progress.start(`epoch ${state.epoch + 1}/${cfg.epochs}`, order.length, state.batchInEpoch);
  let lossSum = 0;
  let lossCount = 0;
  let epochLoss = 0;
  let epochBatchesDone = 0;
  let windowStart = Date.now();
  let windowWords = 0;
  let tps = 0;
  for (let b = state.batchInEpoch; b < order.length; b++) {
    const chosen = order[b]!.map((i) => loop.examples[i]!);
    const lr = optimizer.learningRateFor(`${scope}bert.embeddings.word_embeddings.weight`);
    const t0 = Date.now();
    const loss = await loop.step(chosen);
    const words = chosen.reduce((a, e) => a + e.window.wordStarts.length, 0);
    if (!Number.isFinite(loss)) {
      loop.log({ type: 'error', step: state.step + 1, epoch: state.epoch + 1, loss: String(loss) });
      progress.stop();
      throw new RuntimeFailure(nanMessage(cfg, state.step + 1, state.epoch + 1, loss, state.bestEpoch >= 0));
    }
    done.seconds += (Date.now() - t0) / 1000;
    done.words += words;
    windowWords += words;
    lossSum += loss;
    lossCount += 1;
    epochLoss += loss;
    epochBatchesDone += 1;
    state.step += 1;
    state.batchInEpoch = b + 1;
    state.dropoutRng = loop.dropoutRng.state;
    const elapsed = (Date.now() - windowStart) / 1000;
    if (elapsed > 0.5) {
      tps = windowWords / elapsed;
      windowStart = Date.now();
      windowWords = 0;
    }
    progress.update(b + 1, { loss, lr, tokensPerSecond: tps || done.words / Math.max(done.seconds, 1e-9) });
    if (state.step % cfg.logEvery === 0) {
      loop.log({ type: 'step', step: state.step, epoch: state.epoch + 1, loss: lossSum / lossCount, lr, head_lr: optimizer.learningRateFor(`${scope}crf.transitions`), tokens_per_second: done.words / done.seconds });
      lossSum = 0;
      lossCount = 0;
    }
    if (cfg.evalEvery !== null && state.step % cfg.evalEvery === 0 && b + 1 < order.length) await devPoint(loop);
    // Let signal handlers run: steps resolve as microtasks and would never yield to them otherwise.
    await new Promise((resolve) => setImmediate(resolve));
    const signal = interruptRequested();
    if (signal) {
      loop.checkpoint();
      progress.stop();
      restoreTerminal();
      throw new Interrupted(
        signal,
        `stopped by ${signal} at step ${state.step} (epoch ${state.epoch + 1}, batch ${state.batchInEpoch}/${order.length}); the state is saved in ${join(cfg.out, 'state')}. Continue with: ${resumeCommand()}`,
      );
    }
    if (state.step % cfg.saveEvery === 0 && b + 1 < order.length) loop.checkpoint();
  }
  progress.stop();
  // Mean over the batches this process ran (all of them unless the epoch was resumed).
  return epochBatchesDone > 0 ? epochLoss / epochBatchesDone : null;
}

/**
 * A dev score between epoch ends (evalEvery): a point of the dev-F1 curve, nothing else. Inference
 * draws no random numbers and leaves optimizer and weights alone, so training is the same with or
 * without these points.
 */
async function devPoint(loop: EpochLoop): Promise<void> {
  const { state, progress } = loop;
  const dev = await loop.evaluateDev();
  const { precision, recall, f1 } = dev.evaluation.micro;
  loop.log({ type: 'dev', step: state.step, epoch: state.epoch + 1, dev_precision: precision, dev_recall: recall, dev_f1: f1, dev_outside_fraction: dev.outsideFraction });
  progress.log(`step ${state.step}: dev P ${pct(precision)} R ${pct(recall)} F1 ${pct(f1)}`);
}

/** End of an epoch: score dev, keep the best model, maybe stop early, save the state. */
async function endEpoch(loop: EpochLoop, epochRng: Rng, trainLoss: number | null, done: Throughput): Promise<void> {
  const { state, cfg, progress } = loop;
  const dev = await loop.evaluateDev();
  const record = {
    type: 'epoch',
    epoch: state.epoch + 1,
    step: state.step,
    train_loss: trainLoss,
    dev_precision: dev.evaluation.micro.precision,
    dev_recall: dev.evaluation.micro.recall,
    dev_f1: dev.evaluation.micro.f1,
    dev_outside_fraction: dev.outsideFraction,
    tokens_per_second: done.words / Math.max(done.seconds, 1e-9),
  };
  loop.log(record);
  state.history.push(record);
  progress.log(`epoch ${state.epoch + 1}: dev P ${pct(record.dev_precision)} R ${pct(record.dev_recall)} F1 ${pct(record.dev_f1)}`);
  // A tie goes to the later, more trained model (early on, several epochs can all score 0 on a
  // small dev set); only a strictly better F1 resets the patience count.
  const f1 = dev.evaluation.micro.f1;
  state.epochsWithoutImprovement = f1 > state.bestDevF1 ? 0 : state.epochsWithoutImprovement + 1;
  if (f1 >= state.bestDevF1) {
    state.bestDevF1 = f1;
    state.bestEpoch = state.epoch + 1;
    loop.saveBest();
  }
  state.epoch += 1;
  state.batchInEpoch = 0;
  state.epochRng = epochRng.state;
  if (cfg.patience !== null && state.epochsWithoutImprovement >= cfg.patience) {
    progress.log(`no better dev F1 for ${cfg.patience} epoch(s): stopping early`);
    state.finished = true;
  }
  if (state.epoch >= cfg.epochs) state.finished = true;
  loop.checkpoint();
}

const pct = (x: number) => (100 * x).toFixed(2);

/** Where a run stopped by a NaN/Inf loss can continue from, and how (a resume may lower the rates). */
function nanMessage(cfg: TrainConfig, step: number, epoch: number, loss: number, hasBest: boolean): string {
  const head = `the loss became ${loss} at step ${step} (epoch ${epoch}); nothing was applied from that step. `;
  const best = hasBest ? ` The best model so far is in ${cfg.out}.` : '';
  const tenth = (x: number) => String(Number((x / 10).toPrecision(3)));
  const lower = ['--lr', tenth(cfg.lr), ...(cfg.headLr !== null ? ['--head-lr', tenth(cfg.headLr)] : [])];
  let saved: number | undefined;
  try {
    saved = (JSON.parse(readFileSync(join(cfg.out, 'state', 'trainer.json'), 'utf8')) as { step: number }).step;
  } catch {
    saved = undefined;
  }
  if (saved === undefined) {
    return `${head}No state was saved before it (the first comes after ${cfg.saveEvery} steps).${best} Run again (the same --out works) with a lower learning rate, e.g. ${lower.join(' ')}, or --clip-norm 1.`;
  }
  return `${head}The last saved state (step ${saved}) is in ${join(cfg.out, 'state')}.${best} Continue from it with a lower learning rate: ${resumeCommand(lower)}`;
}
