import type { Example, TaggerBatch } from '../data/batches.js';
import type { TransitionMask } from '../data/constraints.js';
import type { Decoded, Tagger, TaggerSpec } from '../model/tagger.js';
import type { Layout } from './layout.js';

/**
 * Work of a kind this folder does not know, done by a replica thread with its tagger: `module`
 * (a layer above, e.g. predict/label-task.ts, which labels raw texts) exports `taskHandler`, which
 * the thread calls once with `data`, then with each task.
 */
export interface TaskInit {
  module: string;
  data: unknown;
}

export type TaskHandler = (task: unknown) => unknown;
export type TaskFactory = (tagger: Tagger, data: unknown) => TaskHandler;

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
  task?: TaskInit;
}

/** Requests carry the weights' version: a replica reloads `weights` when it has an older one. */
export type Request =
  | { type: 'grad'; id: number; version: number; parts: Example[][]; total: number; seeds: number[] }
  | { type: 'decode'; id: number; version: number; batches: TaggerBatch[]; mask?: TransitionMask }
  | { type: 'task'; id: number; version: number; task: unknown }
  | { type: 'tensors'; id: number };

export type Reply =
  | { type: 'ready'; label: string }
  | { type: 'grad'; id: number; loss: number; present: boolean[]; seedsUsed: number }
  | { type: 'decode'; id: number; decoded: Decoded[] }
  | { type: 'task'; id: number; result: unknown }
  | { type: 'tensors'; id: number; numTensors: number }
  | { type: 'error'; id: number; message: string };
