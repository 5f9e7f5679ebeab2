import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { bertConfigJson, parseBertConfig } from '../model/bert-config.js';
import type { TaggerSpec } from '../model/tagger.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { TokenizerFiles } from '../tokenizer/wordpiece.js';
import { readJson } from '../tokenizer/wordpiece.js';
import { isLinearWeight, toHfLayout } from '../weights/naming.js';
import { encodeSafetensors, parseSafetensors } from '../weights/safetensors.js';
import type { HostTensor } from '../weights/tensors.js';

/**
 * Model folders and resumable state, written atomically: every file goes to a temporary name and
 * is renamed into place, and state/ is replaced as a whole folder, so a crash at any moment
 * leaves either the old or the new checkpoint, never half of one.
 */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

/** The `ner` section of a model's config.json. */
export interface NerModelMeta {
  spec: Omit<TaggerSpec, 'bert'>;
  /** Scheme the labels are in, and the scheme of the training files (predictions are converted back). */
  scheme: string;
  fileScheme: string;
  maxLen: number;
  constrain: boolean;
  /** The resolved training config. */
  config: Record<string, unknown>;
  versions: Record<string, string>;
}

/** Local parameter names → the saved file's names and layout (HF for encoder and classifier). */
function toFile(params: Map<string, HostTensor>): [string, HostTensor][] {
  return [...params].map(([name, t]) => {
    if (name.startsWith('bert.')) return [name, toHfLayout(name.slice(5), t)];
    if (name === 'classifier.weight') return [name, toHfLayout(name, t)];
    return [name, t];
  });
}

/** The inverse of toFile. */
export function fromFile(weights: Map<string, HostTensor>): Map<string, HostTensor> {
  return new Map(
    [...weights].map(([name, t]) => {
      const local = name.startsWith('bert.') ? name.slice(5) : name;
      return [name, isLinearWeight(local, t.shape) ? toHfLayout(local, t) : t];
    }),
  );
}

export function saveModelDir(dir: string, o: { spec: TaggerSpec; meta: NerModelMeta; params: Map<string, HostTensor>; tokenizer: TokenizerFiles }): void {
  const { spec } = o;
  const config = {
    ...bertConfigJson({ ...spec.bert, numLayers: spec.numLayers }),
    architectures: [spec.lstmHidden > 0 || spec.crf ? 'BertBiLstmCrfForTokenClassification' : 'BertForTokenClassification'],
    id2label: Object.fromEntries(spec.labels.map((l, i) => [String(i), l])),
    label2id: Object.fromEntries(spec.labels.map((l, i) => [l, i])),
    ner: o.meta,
  };
  writeAtomic(join(dir, 'model.safetensors'), encodeSafetensors(toFile(o.params), { format: 'pt', producer: 'ner' }));
  if (o.tokenizer.tokenizerJson) writeAtomic(join(dir, 'tokenizer.json'), JSON.stringify(o.tokenizer.tokenizerJson));
  if (o.tokenizer.vocab) writeAtomic(join(dir, 'vocab.txt'), o.tokenizer.vocab.join('\n') + '\n');
  writeAtomic(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', ...o.tokenizer.config }, null, 2));
  writeAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

export interface SavedModel {
  spec: TaggerSpec;
  meta: NerModelMeta;
  /** Parameters by local name, internal layout. */
  params: Map<string, HostTensor>;
}

/** Reads a folder written by saveModelDir; undefined when config.json has no `ner` section. */
export function readModelDir(dir: string): SavedModel | undefined {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) return undefined;
  const raw = readJson(configPath);
  if (!raw.ner) return undefined;
  const meta = raw.ner as NerModelMeta;
  const bert = parseBertConfig(raw);
  if (typeof bert === 'string') throw new InputError(configPath, undefined, bert);
  const weightsPath = join(dir, 'model.safetensors');
  if (!existsSync(weightsPath)) throw new InputError(dir, undefined, 'model.safetensors is missing; was training interrupted before the first save?');
  let params: Map<string, HostTensor>;
  try {
    params = fromFile(parseSafetensors(readFileSync(weightsPath)).weights);
  } catch (err) {
    throw new InputError(weightsPath, undefined, (err as Error).message);
  }
  return { spec: { ...meta.spec, bert }, meta, params };
}

/** Everything needed to continue a run exactly. */
export interface TrainerState {
  /** Completed optimizer steps. */
  step: number;
  /** Epoch in progress (0-based) and batches of it already done. */
  epoch: number;
  batchInEpoch: number;
  /** Generator state at the start of this epoch (recreates its batch order) and for dropout now. */
  epochRng: number;
  dropoutRng: number;
  bestDevF1: number;
  bestEpoch: number;
  epochsWithoutImprovement: number;
  /** Per-epoch records already logged. */
  history: Record<string, unknown>[];
  optimizerScalars: Record<string, number>;
  /** The resolved config of the run (a resume must use the same). */
  config: Record<string, unknown>;
  finished: boolean;
}

/** Replaces dir/state/ as a whole: weights, optimizer tensors, trainer scalars. */
export function saveState(dir: string, s: { trainer: TrainerState; params: Map<string, HostTensor>; optimizer: OptimizerState }): void {
  const state = join(dir, 'state');
  const tmp = join(dir, `state.tmp-${process.pid}`);
  const old = join(dir, 'state.old');
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'weights.safetensors'), encodeSafetensors(s.params));
  writeFileSync(
    join(tmp, 'optimizer.safetensors'),
    encodeSafetensors(Object.entries(s.optimizer.tensors).map(([k, t]) => [k, { shape: t.shape, values: t.values }])),
  );
  writeFileSync(join(tmp, 'trainer.json'), JSON.stringify({ ...s.trainer, optimizerScalars: s.optimizer.scalars }, null, 2));
  rmSync(old, { recursive: true, force: true });
  if (existsSync(state)) renameSync(state, old);
  renameSync(tmp, state);
  rmSync(old, { recursive: true, force: true });
}

export function loadState(dir: string): { trainer: TrainerState; params: Map<string, HostTensor>; optimizer: OptimizerState } | undefined {
  // A crash between the two renames leaves the previous state in state.old.
  const state = existsSync(join(dir, 'state', 'trainer.json')) ? join(dir, 'state') : existsSync(join(dir, 'state.old', 'trainer.json')) ? join(dir, 'state.old') : undefined;
  if (!state) return undefined;
  const trainer = JSON.parse(readFileSync(join(state, 'trainer.json'), 'utf8')) as TrainerState;
  const params = parseSafetensors(readFileSync(join(state, 'weights.safetensors'))).weights;
  const opt = parseSafetensors(readFileSync(join(state, 'optimizer.safetensors'))).weights;
  return {
    trainer,
    params,
    optimizer: { scalars: trainer.optimizerScalars, tensors: Object.fromEntries([...opt].map(([k, t]) => [k, { shape: t.shape, values: t.values }])) },
  };
}

/** Refuses to resume the run in `dir` when the data or model now give other labels or another vocabulary size. */
export function checkResumeInputs(dir: string, saved: { params: Map<string, HostTensor> }, now: { labels: string[]; vocabRows: number; train: string }): void {
  const prior = readModelDir(dir)?.spec.labels;
  if (prior && prior.join('\u0000') !== now.labels.join('\u0000')) {
    throw new UsageError(`the run in ${dir} was trained on labels ${prior.join(', ')} but ${now.train} now gives ${now.labels.join(', ')}; resume with the same data, or start a new --out`);
  }
  const rows = saved.params.get('bert.embeddings.word_embeddings.weight')?.shape[0];
  if (rows !== undefined && rows !== now.vocabRows) {
    throw new UsageError(`the run in ${dir} has a ${rows}-entry vocabulary but the model now built has ${now.vocabRows}; the training data or model changed since it started — resume with the same inputs, or start a new --out`);
  }
}
