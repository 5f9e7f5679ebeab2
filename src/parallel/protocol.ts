import type { Example, TaggerBatch } from '../data/batches.js';
import type { TransitionMask } from '../data/constraints.js';
import type { Decoded, TaggerSpec } from '../model/tagger.js';
import type { LabelledText, PredictorOptions } from '../predict/predictor.js';
import type { TokenizerFiles } from '../tokenizer/wordpiece.js';
import type { Layout } from './layout.js';

/** What a replica needs to label raw texts itself (ner serve): the model's tokenizer and the predictor's settings. */
export interface LabellerInit {
  tokenizer: TokenizerFiles;
  embeddingRows: number;
  options: Omit<PredictorOptions, 'decoder' | Batching>;
}

/** How a labelling call cuts its windows into batches (it comes with each request). */
export type Batching = 'batchSize' | 'batchOverhead';

/** What a replica thread is started with (workerData). */
export interface ReplicaInit {
  index: number;
  spec: TaggerSpec;
  /** tfjs backend the main thread runs (wasm, cpu or tensorflow): replicas run the same. */
  backend: 'wasm' | 'cpu' | 'tensorflow';
  /** Every variable, in the tagger's creation order: the layout of `weights`. */
  params: Layout;
  /** The trainable variables: the layout of `grads`. */
  trainable: Layout;
  /** Weights written by the main thread, read by every replica (SharedArrayBuffer). */
  weights: Float32Array;
  /** This replica's gradients, written by it, read by the main thread (SharedArrayBuffer). */
  grads: Float32Array;
  padId: number;
  labeller?: LabellerInit;
}

/** Requests carry the weights' version: a replica reloads `weights` when it has an older one. */
export type Request =
  | { type: 'grad'; id: number; version: number; parts: Example[][]; total: number; seeds: number[] }
  | { type: 'decode'; id: number; version: number; batches: TaggerBatch[]; mask?: TransitionMask }
  | { type: 'label'; id: number; version: number; texts: string[]; batching: Pick<PredictorOptions, Batching> }
  | { type: 'tensors'; id: number };

export type Reply =
  | { type: 'ready'; label: string }
  | { type: 'grad'; id: number; loss: number; present: boolean[]; seedsUsed: number }
  | { type: 'decode'; id: number; decoded: Decoded[] }
  | { type: 'label'; id: number; labelled: LabelledText[] }
  | { type: 'tensors'; id: number; numTensors: number }
  | { type: 'error'; id: number; message: string };
