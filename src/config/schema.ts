import { BACKENDS, type BackendChoice } from '../backend.js';
import { SCHEMES, type Scheme } from '../data/schemes.js';
import { TOKEN_TRANSFORMS, type TokenTransform } from '../data/token-transform.js';
import { findOptimizer, OPTIMIZER_NAMES } from '../optim/registry.js';
import { SCHEDULES, type ScheduleKind } from '../optim/schedule.js';
import { SLOW_WEIGHTS, type SlowWeights } from '../optim/lookahead.js';
import { HEAD_INITS, type HeadInit } from '../model/params.js';
import { bool, int, named, nullable, num, object, oneOf, scheme, str, type ValueType } from './types.js';

/**
 * Every setting and default of the tool lives here. The training settings are one table: each
 * row gives a setting's default, type and bounds, flag argument and help, and `ner train`'s
 * flags, config-file validation, `--help` and README's flag table are all derived from it, so
 * they cannot disagree. Adding a setting is adding a row.
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

/** `ner serve`: where it listens and how it batches and refuses. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  maxBatch: 32,
  /** At most this many windows per decoded batch within a gathered one. */
  batchSize: 32,
  /**
   * A decoded batch's fixed cost in word pieces (tfjs op dispatch ≈ this many pieces of compute):
   * a gathered batch's windows, sorted by length, are cut into batches minimising this + padded pieces.
   */
  batchOverhead: 20,
  maxWaitMs: 5,
  maxQueue: 1024,
  maxChars: 100_000,
  bodyLimit: 1 << 20,
} as const;

/**
 * `ner compare --queue` and `ner worker`: retries and BullMQ's lock and stall timings. A worker
 * holds a lock on its job for lockMs and renews it every lockMs / 2; every stalledMs the workers
 * look for jobs whose lock expired (their worker died) and put them back in the queue, at most
 * maxStalled times per job before it fails. A run that fails is tried `attempts` times in all,
 * backoffMs, 2×, 4× … apart.
 */
export const GRID_DEFAULTS = {
  concurrency: 1,
  attempts: 3,
  backoffMs: 10_000,
  lockMs: 30_000,
  stalledMs: 30_000,
  maxStalled: 2,
  /** How often `ner compare` reads the jobs' states. */
  pollMs: 1000,
} as const;

export interface Setting<T> {
  default: T;
  type: ValueType<T>;
  /** One line for --help and README (without the default, which is added). */
  help: string;
  /** The default as shown, when the value itself does not say it (null → "same as --lr"). */
  shown?: string;
  /** No usable default: the setting must be given. */
  required?: true;
}

const row = <T>(r: Setting<T>): Setting<T> => r;
type ValueOf<R> = R extends Setting<infer T> ? T : never;
type Values<Table> = { [K in keyof Table]: ValueOf<Table[K]> };

/** Architecture of a `--model scratch` encoder (random init, vocabulary built from the training data). */
export const SCRATCH_SETTINGS = {
  hiddenSize: row({ default: 128, type: int(2, 100_000), help: 'hidden size' }),
  numLayers: row({ default: 2, type: int(1, 100), help: 'encoder layers' }),
  numHeads: row({ default: 2, type: int(1, 1000), help: 'attention heads (must divide hiddenSize)' }),
  intermediateSize: row({ default: 512, type: int(1, 1_000_000), help: 'feed-forward size' }),
  /** Characters are always in the vocabulary; this many of the most frequent training words are kept whole. */
  vocabWords: row({ default: 20000, type: int(0, 10_000_000), help: 'most frequent training words kept whole in the vocabulary' }),
  lowercase: row({ default: true, type: bool, help: 'lower-case the input' }),
};
export type ScratchConfig = Values<typeof SCRATCH_SETTINGS>;

const defaultsOf = <Table extends Record<string, Setting<unknown>>>(table: Table): Values<Table> =>
  Object.fromEntries(Object.entries(table).map(([k, r]) => [k, r.default])) as Values<Table>;

const optimizerName = named('<name>', (n) => (findOptimizer(n) ? undefined : `unknown optimizer '${n}'; expected one of ${OPTIMIZER_NAMES().join(', ')}`));
const limit = (what: string) => row<number | null>({ default: null, type: nullable(int(1, 1e9)), help: `use only the first N ${what} sentences`, shown: 'all' });

export const TRAIN_SETTINGS = {
  model: row({ default: 'scratch', type: str('<path|hub-id|scratch>'), help: 'Hugging Face folder, Google TF checkpoint folder, hub id (downloaded once, cached), or "scratch"' }),
  train: row({ default: '', type: str('<file>'), help: 'training corpus (CoNLL columns: token first, label last)', required: true }),
  dev: row<string | null>({ default: null, type: nullable(str('<file>')), help: 'dev corpus for model selection', shown: 'the last --holdout of --train' }),
  holdout: row({ default: 0.1, type: num(0, 0.9), help: 'fraction of --train held out as dev when --dev is not given' }),
  test: row<string | null>({ default: null, type: nullable(str('<file>')), help: 'test corpus, scored with the best model at the end' }),
  out: row({ default: '', type: str('<dir>'), help: 'output model folder', required: true }),
  optimizer: row({ default: 'adamw', type: optimizerName, help: 'optimizer name (see `ner optimizers`)' }),
  lr: row({ default: 5e-5, type: num(Number.MIN_VALUE), help: 'encoder learning rate' }),
  headLr: row<number | null>({ default: null, type: nullable(num(Number.MIN_VALUE)), help: 'BiLSTM/CRF/classifier learning rate', shown: 'same as --lr' }),
  weightDecay: row({ default: 0.01, type: num(0), help: 'weight decay (none for LayerNorm and bias)' }),
  headWeightDecay: row<number | null>({ default: null, type: nullable(num(0)), help: 'weight decay of the BiLSTM/CRF/classifier weights (PyTorch recipes often use 0)', shown: 'same as --weight-decay' }),
  warmup: row({ default: 0.1, type: num(0), help: 'warmup: a fraction of all steps when < 1, else steps' }),
  schedule: row<ScheduleKind>({ default: 'linear', type: oneOf(SCHEDULES, '<kind>'), help: `learning-rate schedule: ${SCHEDULES.join('|')}` }),
  /** Checked against the optimizer (which keys apply, their bounds) before anything is read. */
  optimizerOptions: row<Record<string, unknown>>({ default: {}, type: object(), help: 'extra optimizer options as JSON, e.g. {"k":5,"alpha":0.5}' }),
  /** 0 is read as null (off). */
  clipNorm: row<number | null>({ default: 1.0, type: nullable(num(0)), help: 'global gradient-norm clipping (0 = off)' }),
  epochs: row({ default: 3, type: int(1, 10_000), help: 'epochs' }),
  batchSize: row({ default: 32, type: int(1, 100_000), help: 'sentences (windows) per batch' }),
  /** wasm's heap is 4 GiB: bigger batches are split into micro-batches whose gradients are summed (the same update). */
  maxBatchPieces: row({ default: 1536, type: int(4, 10_000_000), help: 'padded word pieces per forward pass; bigger batches are split and their gradients accumulated (same update, bounded memory)' }),
  maxLen: row({ default: 128, type: int(4, 100_000), help: 'word pieces per window, [CLS] and [SEP] included; longer sentences are windowed' }),
  seed: row({ default: 1, type: int(0, 2 ** 31), help: 'random seed (data order, dropout, initialisation)' }),
  numLayers: row<number | null>({ default: null, type: nullable(int(1, 1000)), help: 'keep the first N encoder layers', shown: 'all of them' }),
  lstmHidden: row({ default: 128, type: int(0, 100_000), help: 'BiLSTM units per direction (0: no BiLSTM)' }),
  crf: row({ default: true, type: bool, help: 'per-word softmax head instead of the CRF', shown: 'CRF' }),
  dropout: row({ default: 0.1, type: num(0, 0.95), help: 'dropout on the encoder output and before the classifier' }),
  scheme: row<Scheme | null>({ default: null, type: nullable(scheme), help: `train in this tag scheme: ${SCHEMES.join('|')}`, shown: "the training file's" }),
  tokenColumn: row<number | null>({ default: null, type: nullable(int(1, 1000)), help: 'column of the token in the corpora, counted from 1', shown: 'the first' }),
  labelColumn: row<number | null>({ default: null, type: nullable(int(1, 1000)), help: 'column of the label in the corpora, counted from 1', shown: 'the last' }),
  /** Saved with the model, so eval and predict on CoNLL input read tokens the way training did. */
  tokenTransform: row<TokenTransform>({ default: 'none', type: oneOf(TOKEN_TRANSFORMS, '<name>'), help: `rewrite corpus tokens: ${TOKEN_TRANSFORMS.join('|')} (Weibo's 我0 → 我)` }),
  constrain: row({ default: true, type: bool, help: 'allow label transitions the scheme forbids when decoding', shown: 'forbidden' }),
  patience: row<number | null>({ default: null, type: nullable(int(1, 10_000)), help: 'stop after this many epochs without a better dev F1' }),
  saveEvery: row({ default: 50, type: int(1, 10_000_000), help: 'save a resumable state every N steps' }),
  logEvery: row({ default: 10, type: int(1, 10_000_000), help: 'write a train_log.jsonl line every N steps' }),
  evalEvery: row<number | null>({ default: null, type: nullable(int(1, 10_000_000)), help: "also score dev every N steps (train_log.jsonl 'dev' lines, ner compare's dev-F1 curves); the best model is still chosen at epoch ends", shown: 'epoch ends only' }),
  backend: row<BackendChoice>({ default: 'auto', type: oneOf(BACKENDS, '<name>'), help: `tfjs backend: ${BACKENDS.join('|')}` }),
  workers: row<number | null>({ default: null, type: nullable(int(1, 256)), help: 'replica threads sharing each batch; gradients are summed in a fixed order', shown: 'one per core on wasm/cpu, 1 on tfjs-node' }),
  scratch: row<ScratchConfig>({ default: defaultsOf(SCRATCH_SETTINGS), type: object(), help: `architecture of a scratch model (${Object.keys(SCRATCH_SETTINGS).join(', ')})` }),
  trainLimit: limit('training'),
  devLimit: limit('dev'),
  testLimit: limit('test'),
  /**
   * 'start': Lookahead copies its slow weights when training starts, after the checkpoint is
   * loaded (correct); 'init': the encoder's from a random initialisation, as TF1 code that builds
   * the optimizer before init_from_checkpoint does (a diagnostic ablation); 'random-matrices': the
   * PyTorch reference script's version of it (src/train/start-weights.ts).
   */
  lookaheadSlowWeights: row<SlowWeights>({
    default: 'start',
    type: oneOf(SLOW_WEIGHTS),
    help: "Lookahead slow weights: 'start' (after the checkpoint is loaded), 'init' (the encoder's random init: the TF1 pitfall, for diagnosis) or 'random-matrices' (every weight matrix, encoder and head, from a fresh N(0, 0.02) draw, vectors from the start: the PyTorch script's lookahead-adamw-before-load)",
  }),
  /**
   * How the fresh head starts. 'torch': as PyTorch's defaults build it, classifier U(±1/√fan_in)
   * for weight and bias (nn.Linear), LSTM bias b_ih + b_hh, two U(±1/√H) draws (nn.LSTM); 'bert':
   * classifier N(0, 0.02) with zero bias (BERT's _init_weights), one LSTM bias U(±1/√H). The LSTM's
   * weights are U(±1/√H) in both. Default 'torch': on People's Daily's full protocol it scored
   * +1.0 and +1.4 test F1 over 'bert' on two paired seeds (docs/notes.md, issue 17).
   */
  headInit: row<HeadInit>({ default: 'torch', type: oneOf(HEAD_INITS, '<kind>'), help: `head initialisation: ${HEAD_INITS.join('|')} (bert: N(0, 0.02) classifier; torch: nn.Linear/nn.LSTM defaults)` }),
  encoderWeights: row<'checkpoint' | 'random'>({ default: 'checkpoint', type: oneOf(['checkpoint', 'random'] as const), help: "'checkpoint', or 'random': the model's architecture and vocabulary without its pretrained weights" }),
};

export type TrainConfig = Values<typeof TRAIN_SETTINGS>;
export type TrainKey = keyof TrainConfig;
export const TRAIN_KEYS = Object.keys(TRAIN_SETTINGS) as TrainKey[];
export const TRAIN_DEFAULTS: TrainConfig = defaultsOf(TRAIN_SETTINGS);

/** What is wrong with `value` for training setting `key` (unknown keys included), or undefined. */
export function trainSettingProblem(key: string, value: unknown): string | undefined {
  if (!(key in TRAIN_SETTINGS)) return `unknown setting; known: ${TRAIN_KEYS.join(', ')}`;
  return (TRAIN_SETTINGS[key as TrainKey] as Setting<unknown>).type.check(value);
}

/** The command-line flag of a setting: `headLr` ↔ `--head-lr`; booleans that default to true ↔ `--no-crf`. */
export function flagOf(key: string, table: Record<string, Setting<unknown>> = TRAIN_SETTINGS): string {
  const kebab = key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
  return table[key]?.type.boolean && table[key]?.default === true ? `--no-${kebab}` : `--${kebab}`;
}

/** The default as --help and README show it. */
export function shownDefault(r: Setting<unknown>): string {
  if (r.shown !== undefined) return r.shown;
  const v = r.default;
  return v === null ? 'none' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
