import { join } from 'node:path';
import type { BackendInfo } from '../backend.js';
import type { TrainConfig } from '../config/schema.js';
import type { Evaluation } from '../metrics/evaluate.js';
import type { Scores } from '../metrics/score.js';
import type { Tagger } from '../model/tagger.js';
import { readModelDir } from '../store/model-dir.js';
import { modelCard } from '../store/model-card.js';
import { readModelInfo } from '../store/model-info.js';
import { writeAtomic, writeJsonAtomic } from '../util/files.js';
import { snakeKeys } from '../util/json-keys.js';
import type { TrainerState } from './resume-state.js';
import type { Corpus, PreparedData } from './corpus.js';
import type { Throughput } from './epochs.js';
import type { CorpusEvaluation } from './evaluate.js';
import { encoderWeights, relativeDistance } from './start-weights.js';

/** Micro-averaged entity scores of a corpus. */
type Micro = Pick<Scores, 'precision' | 'recall' | 'f1'>;

export interface TrainResult {
  out: string;
  backend: BackendInfo;
  /** Threads that shared each batch (1 = this thread only). */
  replicas: number;
  bestEpoch: number;
  steps: number;
  /** The step this process resumed from (null: it trained from scratch); trainSeconds covers only what came after. */
  resumedFromStep: number | null;
  trainSeconds: number;
  tokensPerSecond: number;
  /** ‖θ_encoder,final − θ_encoder,start‖ / ‖θ_encoder,start‖ (final = last step, not the best epoch). */
  encoderDrift: number;
  dev: Micro & { outsideFraction: number };
  test: (Micro & { outsideFraction: number; perType: Evaluation['perType'] }) | null;
  history: Record<string, unknown>[];
}

/** Phase 4 of a run: drift measured, the best model (as saved) scored on dev and test, metrics.json written. */
export async function finishRun(o: {
  cfg: TrainConfig;
  backend: BackendInfo;
  replicas: number;
  tagger: Tagger;
  data: PreparedData;
  state: TrainerState;
  throughput: Throughput;
  resumedFromStep: number | null;
  startEncoder: Float32Array[];
  evaluate: (corpus: Corpus) => Promise<CorpusEvaluation>;
}): Promise<TrainResult> {
  const { cfg, tagger, data, state, throughput } = o;
  const drift = relativeDistance(encoderWeights(tagger), o.startEncoder);
  // Score the best model exactly as `ner eval --model` will: read back from the folder.
  tagger.params.assign(readModelDir(cfg.out)!.params);
  const dev = await o.evaluate(data.dev);
  const test = data.test ? await o.evaluate(data.test) : null;
  const scores = (e: Evaluation) => ({ precision: e.micro.precision, recall: e.micro.recall, f1: e.micro.f1 });
  const tokensPerSecond = throughput.words / Math.max(throughput.seconds, 1e-9);
  const result: TrainResult = {
    out: cfg.out,
    backend: o.backend,
    replicas: o.replicas,
    bestEpoch: state.bestEpoch,
    steps: state.step,
    resumedFromStep: o.resumedFromStep,
    trainSeconds: throughput.seconds,
    tokensPerSecond,
    encoderDrift: drift,
    dev: { ...scores(dev.evaluation), outsideFraction: dev.outsideFraction },
    test: test ? { ...scores(test.evaluation), outsideFraction: test.outsideFraction, perType: test.evaluation.perType } : null,
    history: state.history,
  };
  const metrics = {
    best_epoch: result.bestEpoch,
    steps: result.steps,
    resumed_from_step: o.resumedFromStep,
    train_seconds_this_process: throughput.seconds,
    tokens_per_second: tokensPerSecond,
    encoder_drift: drift,
    backend: o.backend.label,
    replicas: o.replicas,
    dev: { ...result.dev, per_type: dev.evaluation.perType, file: data.dev.file },
    test: test ? { ...result.test, file: data.test!.file } : null,
  };
  writeJsonAtomic(join(cfg.out, 'metrics.json'), snakeKeys(metrics));
  writeAtomic(join(cfg.out, 'README.md'), modelCard(readModelInfo(cfg.out)));
  return result;
}
