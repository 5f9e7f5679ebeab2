import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { transitionMask, type TransitionMask } from '../data/constraints.js';
import { detectScheme, schemeFromName, type Scheme } from '../data/schemes.js';
import type { TokenTransform } from '../data/token-transform.js';
import { InputError } from '../errors.js';
import { activeBackend } from '../backend.js';
import { Tagger } from '../model/tagger.js';
import type { ReplicaPool } from '../parallel/pool.js';
import { replicaCount, startReplicas } from '../parallel/replicas.js';
import { readModelDir } from '../store/model-dir.js';
import { buildTokenizer, readTokenizerFiles, type WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import { Rng } from '../util/rng.js';
import { asFileError, loadPretrained } from '../weights/pretrained.js';
import { taggerShapes, weightsProblem } from '../store/model-check.js';
import { LABEL_TASK_MODULE, type Batching, type LabelTask, type LabelTaskData } from './label-task.js';
import { Predictor, type LabelledText } from './predictor.js';

/** A model ready to label text: a folder from `ner train`, or a Hugging Face token-classification checkpoint. */
export interface LoadedModel {
  tagger: Tagger;
  tokenizer: WordPieceTokenizer;
  /** Scheme of the model's labels, and of the files it was trained on (predictions are written in it). */
  scheme: Scheme;
  fileScheme: Scheme;
  maxLen: number;
  mask: TransitionMask | undefined;
  kind: 'ner' | 'hf-token-classification';
  /** Threads that decode (1 = this thread only). */
  replicas: number;
  /** How the training corpora's tokens were rewritten; CoNLL input is read the same way. */
  tokenTransform: TokenTransform;
  predictor(batchSize: number): Predictor;
  /** Labels raw texts (`Predictor.labelTexts`): on a replica thread when loaded with `labelling: 'thread'`. */
  labeller(batching: Batching): (texts: string[]) => Promise<LabelledText[]>;
  /** Live tensors in this thread, then in each replica thread (a leak shows as growth). */
  tensorCounts(): Promise<number[]>;
  /** Frees the weights and stops the replica threads. */
  dispose(): void;
}

export interface LoadOptions {
  /** Overrides the model's own setting for decoding constraints. */
  constrain?: boolean;
  /** Replica threads that decode (null: one per core on wasm/cpu; absent: this thread only). */
  workers?: number | null;
  /**
   * 'split' (ner predict, eval): each predictor call's batches are shared out over this thread and
   * the replica threads. 'thread' (ner serve): `workers` threads (even 1), each with the tokenizer;
   * every `labeller` call goes whole to the least busy one and this thread computes nothing, so its
   * event loop stays free. Run as many calls at once as there are replicas.
   */
  labelling?: 'split' | 'thread';
}

/** Loads a model for the backend already selected, with its replica threads. */
export async function loadModel(source: string, o: LoadOptions = {}): Promise<LoadedModel> {
  const model = await loadTagger(source, o);
  const backend = activeBackend();
  if (!backend || o.workers === undefined) return model;
  const count = replicaCount(o.workers, backend);
  const task = o.labelling === 'thread' ? { module: LABEL_TASK_MODULE, data: labelTaskData(model) } : undefined;
  let pool: ReplicaPool | undefined;
  try {
    pool = await startReplicas(model.tagger, count, backend, model.tokenizer.padId, task);
  } catch (err) {
    model.dispose();
    throw err;
  }
  if (!pool) return model;
  const p = pool;
  return {
    ...model,
    replicas: count,
    predictor: (batchSize) => new Predictor(model.tagger, model.tokenizer, { ...model.predictor(batchSize).options, decoder: p.decode.bind(p) }),
    ...(task ? { labeller: (batching: Batching) => (texts: string[]) => p.run({ texts, batching } satisfies LabelTask) as Promise<LabelledText[]> } : {}),
    tensorCounts: async () => [tf.memory().numTensors, ...(await p.tensorCounts())],
    dispose: () => {
      void p.close();
      model.dispose();
    },
  };
}

/** What a labelling thread needs to build the same predictor as this thread's. */
function labelTaskData(model: LoadedModel): LabelTaskData {
  const { maxLen, mask, unknownWordsOutside } = model.predictor(1).options;
  return { tokenizer: model.tokenizer.files, embeddingRows: model.tokenizer.embeddingRows, options: { maxLen, ...(mask ? { mask } : {}), ...(unknownWordsOutside ? { unknownWordsOutside } : {}) } };
}

/** Any failure to read the model becomes one InputError naming its file (the loader boundary). */
async function loadTagger(source: string, o: LoadOptions): Promise<LoadedModel> {
  try {
    return await load(source, o);
  } catch (err) {
    throw asFileError(source, err);
  }
}

async function load(source: string, o: { constrain?: boolean }): Promise<LoadedModel> {
  const saved = existsSync(source) ? readModelDir(source) : undefined;
  if (saved) {
    const tokenizer = buildTokenizer(readTokenizerFiles(source));
    const rows = saved.spec.bert.vocabSize;
    if (tokenizer.vocabSize > rows) {
      throw new InputError(source, undefined, `the tokenizer has ${tokenizer.vocabSize} entries but the model's embedding table has ${rows} rows: the tokenizer files do not belong to this model`);
    }
    // Every tensor the model needs must be in the file, in its shape: none is left random.
    const problem = weightsProblem(taggerShapes(saved.spec), saved.params, { unexpected: true });
    if (problem) {
      throw new InputError(join(source, 'model.safetensors'), undefined, `does not match config.json (${problem}); the file is damaged, or labels or architecture were changed after training`);
    }
    const scheme = schemeFromName(saved.meta.scheme)!;
    const mask = (o.constrain ?? saved.meta.constrain) ? transitionMask(saved.spec.labels, scheme) : undefined;
    const tagger = Tagger.create(saved.spec, { encoder: new Map(), heads: new Map() }, new Rng(0));
    tagger.params.assign(saved.params);
    const transform = (saved.meta.config.tokenTransform as TokenTransform | undefined) ?? 'none';
    return finish(tagger, tokenizer, scheme, schemeFromName(saved.meta.fileScheme) ?? scheme, saved.meta.maxLen, mask, 'ner', transform);
  }
  // Not ours: a BertForTokenClassification folder or hub id.
  const pre = await loadPretrained(source);
  if (!pre.id2label || !pre.heads.has('classifier.weight')) {
    throw new InputError(source, undefined, 'not a NER model: train one with `ner train --out DIR`, or pass a BertForTokenClassification checkpoint (config.json with id2label and a classifier)');
  }
  const scheme = detectScheme([pre.id2label]);
  const spec = { bert: pre.config, numLayers: pre.config.numLayers, labels: pre.id2label, lstmHidden: 0, crf: false, dropout: 0 };
  const found = new Map([...[...pre.encoder].map(([n, t]) => [`bert.${n}`, t] as const), ...pre.heads]);
  const problem = weightsProblem(taggerShapes(spec), found);
  if (problem) throw new InputError(pre.weightsFile, undefined, `does not fit its config.json (${problem}); the file is damaged or belongs to another model`);
  const tokenizer = buildTokenizer(pre.tokenizerFiles, pre.config.vocabSize);
  const mask = o.constrain ? transitionMask(pre.id2label, scheme) : undefined;
  const tagger = Tagger.create(spec, { encoder: pre.encoder, heads: pre.heads }, new Rng(0));
  return finish(tagger, tokenizer, scheme, scheme, Math.min(512, pre.config.maxPositions), mask, 'hf-token-classification');
}

function finish(
  tagger: Tagger,
  tokenizer: WordPieceTokenizer,
  scheme: Scheme,
  fileScheme: Scheme,
  maxLen: number,
  mask: TransitionMask | undefined,
  kind: LoadedModel['kind'],
  tokenTransform: TokenTransform = 'none',
): LoadedModel {
  const predictor = (batchSize: number) =>
    new Predictor(tagger, tokenizer, { maxLen, batchSize, ...(mask ? { mask } : {}), unknownWordsOutside: kind === 'hf-token-classification' });
  return {
    tagger,
    tokenizer,
    scheme,
    fileScheme,
    maxLen,
    mask,
    kind,
    replicas: 1,
    tokenTransform,
    predictor,
    labeller: (batching) => {
      const p = new Predictor(tagger, tokenizer, { ...predictor(batching.batchSize).options, ...batching });
      return (texts) => p.labelTexts(texts);
    },
    tensorCounts: async () => [tf.memory().numTensors],
    dispose: () => tagger.dispose(),
  };
}
