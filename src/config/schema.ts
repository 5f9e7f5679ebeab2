import { BACKENDS, type BackendChoice } from '../backend.js';
import { SCHEMES, type Scheme } from '../data/schemes.js';
import { SCHEDULES, type ScheduleKind } from '../optim/schedule.js';

/**
 * Every default of the tool lives here; commands read them from this file only, so `--help`,
 * saved configs and behaviour cannot disagree.
 */
export const EVAL_DEFAULTS = {
  /** seqeval mode: `default` behaves like conlleval.pl; `strict` follows the scheme's patterns. */
  mode: 'default',
  /** Decimals in the text report (JSON always carries full precision). */
  digits: 4,
  /** Windows per batch when a model is scored or used for prediction. */
  batchSize: 32,
} as const;

export const PREDICT_DEFAULTS = {
  format: 'jsonl',
  batchSize: EVAL_DEFAULTS.batchSize,
  /** Input lines read and labelled at a time (memory stays bounded on long files). */
  chunkLines: 512,
} as const;

/** Architecture of a `--model scratch` encoder (random init, vocabulary built from the training data). */
export interface ScratchConfig {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** Most frequent training words kept whole in the vocabulary (characters are always in). */
  vocabWords: number;
  lowercase: boolean;
}

export interface TrainConfig {
  /** Hugging Face folder, Google TF checkpoint folder, hub id, or "scratch". */
  model: string;
  train: string;
  /** Dev file; null = hold out the last `holdout` fraction of train. */
  dev: string | null;
  holdout: number;
  test: string | null;
  out: string;
  optimizer: string;
  /** Encoder learning rate. */
  lr: number;
  /** BiLSTM + CRF + classifier learning rate; null = lr. */
  headLr: number | null;
  weightDecay: number;
  /** Warmup: a fraction of all steps when < 1, else a number of steps. */
  warmup: number;
  schedule: ScheduleKind;
  /** Extra options for the optimizer (beta1, beta2, epsilon, k, alpha, degeneratedToSgd, gradientCentralization). */
  optimizerOptions: Record<string, unknown>;
  clipNorm: number | null;
  epochs: number;
  batchSize: number;
  /**
   * Padded word pieces per forward pass. A larger batch is split into micro-batches whose
   * gradients are accumulated (the same update), so memory stays bounded (wasm's heap is 4 GiB).
   */
  maxBatchPieces: number;
  maxLen: number;
  seed: number;
  /** Keep the first N encoder layers; null = all. */
  numLayers: number | null;
  /** BiLSTM units per direction; 0 = no BiLSTM. */
  lstmHidden: number;
  crf: boolean;
  dropout: number;
  /** Tag scheme to train in (labels are converted); null = the training file's own. */
  scheme: Scheme | null;
  /** Forbid transitions the scheme does not allow when decoding. */
  constrain: boolean;
  /** Stop after this many epochs without a better dev F1; null = never. */
  patience: number | null;
  /** Save a resumable state every this many steps (and at every epoch end). */
  saveEvery: number;
  /** Log a train_log.jsonl line every this many steps. */
  logEvery: number;
  backend: BackendChoice;
  scratch: ScratchConfig;
  /** Use only the first N sentences of each corpus (null = all); for quick comparisons. */
  trainLimit: number | null;
  devLimit: number | null;
  testLimit: number | null;
  /**
   * When Lookahead copies its slow weights: 'start' — when training starts, after the checkpoint
   * is loaded (correct); 'init' — from a random initialisation of the encoder, as TF1 code that
   * builds the optimizer before init_from_checkpoint does (a diagnostic ablation).
   */
  lookaheadSlowWeights: 'start' | 'init';
  /** 'checkpoint': the model's weights; 'random': its architecture and vocabulary with a fresh random init (no pretraining). */
  encoderWeights: 'checkpoint' | 'random';
}

export const TRAIN_DEFAULTS: TrainConfig = {
  model: 'scratch',
  train: '',
  dev: null,
  holdout: 0.1,
  test: null,
  out: '',
  optimizer: 'adamw',
  lr: 5e-5,
  headLr: null,
  weightDecay: 0.01,
  warmup: 0.1,
  schedule: 'linear',
  optimizerOptions: {},
  clipNorm: 1.0,
  epochs: 3,
  batchSize: 32,
  maxBatchPieces: 1536,
  maxLen: 128,
  seed: 1,
  numLayers: null,
  lstmHidden: 128,
  crf: true,
  dropout: 0.1,
  scheme: null,
  constrain: true,
  patience: null,
  saveEvery: 50,
  logEvery: 10,
  backend: 'auto',
  scratch: { hiddenSize: 128, numLayers: 2, numHeads: 2, intermediateSize: 512, vocabWords: 20000, lowercase: true },
  trainLimit: null,
  devLimit: null,
  testLimit: null,
  lookaheadSlowWeights: 'start',
  encoderWeights: 'checkpoint',
};

/** One line of help per key, shown by `ner train --help` with the default. */
export const TRAIN_HELP: Record<keyof TrainConfig, string> = {
  model: 'Hugging Face folder, Google TF checkpoint folder, hub id (downloaded once, cached), or "scratch"',
  train: 'training corpus (CoNLL columns: token first, label last)',
  dev: 'dev corpus for model selection (default: the last --holdout of --train)',
  holdout: 'fraction of --train held out as dev when --dev is not given',
  test: 'test corpus, scored with the best model at the end',
  out: 'output model folder',
  optimizer: 'optimizer name (see `ner optimizers`)',
  lr: 'encoder learning rate',
  headLr: 'BiLSTM/CRF/classifier learning rate (default: same as --lr)',
  weightDecay: 'weight decay (none for LayerNorm and bias)',
  warmup: 'warmup: a fraction of all steps when < 1, else steps',
  schedule: `learning-rate schedule: ${SCHEDULES.join('|')}`,
  optimizerOptions: 'extra optimizer options as JSON, e.g. {"k":5,"alpha":0.5}',
  clipNorm: 'global gradient-norm clipping (0 = off)',
  epochs: 'epochs',
  batchSize: 'sentences (windows) per batch',
  maxBatchPieces: 'padded word pieces per forward pass; bigger batches are split and their gradients accumulated (same update, bounded memory)',
  maxLen: 'word pieces per window, [CLS] and [SEP] included; longer sentences are windowed',
  seed: 'random seed (data order, dropout, initialisation)',
  numLayers: 'keep the first N encoder layers (default: all of them)',
  lstmHidden: 'BiLSTM units per direction (0: no BiLSTM)',
  crf: 'per-word softmax head instead of the CRF (default: CRF)',
  dropout: 'dropout on the encoder output and before the classifier',
  scheme: `train in this tag scheme (${SCHEMES.join('|')}; default: the training file's)`,
  constrain: 'allow label transitions the scheme forbids when decoding (default: forbidden)',
  patience: 'stop after this many epochs without a better dev F1',
  saveEvery: 'save a resumable state every N steps',
  logEvery: 'write a train_log.jsonl line every N steps',
  backend: `tfjs backend: ${BACKENDS.join('|')}`,
  scratch: 'architecture of a scratch model (hiddenSize, numLayers, numHeads, intermediateSize, vocabWords, lowercase)',
  trainLimit: 'use only the first N training sentences (default: all)',
  devLimit: 'use only the first N dev sentences (default: all)',
  testLimit: 'use only the first N test sentences (default: all)',
  lookaheadSlowWeights: "Lookahead slow weights: 'start' (after the checkpoint is loaded) or 'init' (a random init: the TF1 pitfall, for diagnosis)",
  encoderWeights: "'checkpoint', or 'random': the model's architecture and vocabulary without its pretrained weights",
};

type Check = (v: unknown) => string | undefined;
const num = (min: number, max = Infinity, int = false): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!int || Number.isInteger(v))
    ? undefined
    : `expected ${int ? 'a whole number' : 'a number'}${max === Infinity ? ` ≥ ${min}` : ` from ${min} to ${max}`}`;
const str: Check = (v) => (typeof v === 'string' && v.length > 0 ? undefined : 'expected a non-empty string');
const bool: Check = (v) => (typeof v === 'boolean' ? undefined : 'expected true or false');
const nullable = (c: Check): Check => (v) => (v === null ? undefined : c(v));
const oneOf = (xs: readonly string[]): Check => (v) => (typeof v === 'string' && xs.includes(v) ? undefined : `expected one of ${xs.join(', ')}`);
const object: Check = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : 'expected a JSON object');

export const TRAIN_CHECKS: Record<keyof TrainConfig, Check> = {
  model: str,
  train: str,
  dev: nullable(str),
  holdout: num(0, 0.9),
  test: nullable(str),
  out: str,
  optimizer: str,
  lr: num(Number.MIN_VALUE),
  headLr: nullable(num(Number.MIN_VALUE)),
  weightDecay: num(0),
  warmup: num(0),
  schedule: oneOf(SCHEDULES),
  optimizerOptions: object,
  clipNorm: nullable(num(0)),
  epochs: num(1, 10_000, true),
  batchSize: num(1, 100_000, true),
  maxBatchPieces: num(4, 10_000_000, true),
  maxLen: num(4, 100_000, true),
  seed: num(0, 2 ** 31, true),
  numLayers: nullable(num(1, 1000, true)),
  lstmHidden: num(0, 100_000, true),
  crf: bool,
  dropout: num(0, 0.95),
  scheme: nullable(oneOf(SCHEMES)),
  constrain: bool,
  patience: nullable(num(1, 10_000, true)),
  saveEvery: num(1, 10_000_000, true),
  logEvery: num(1, 10_000_000, true),
  backend: oneOf(BACKENDS),
  scratch: object,
  trainLimit: nullable(num(1, 1e9, true)),
  devLimit: nullable(num(1, 1e9, true)),
  testLimit: nullable(num(1, 1e9, true)),
  lookaheadSlowWeights: oneOf(['start', 'init']),
  encoderWeights: oneOf(['checkpoint', 'random']),
};

export const SCRATCH_CHECKS: Record<keyof ScratchConfig, Check> = {
  hiddenSize: num(2, 100_000, true),
  numLayers: num(1, 100, true),
  numHeads: num(1, 1000, true),
  intermediateSize: num(1, 1_000_000, true),
  vocabWords: num(0, 10_000_000, true),
  lowercase: bool,
};
