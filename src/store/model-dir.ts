import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { bertConfigJson, parseBertConfig } from '../spec/bert-config.js';
import type { TaggerSpec } from '../model/tagger.js';
import type { DataSummary } from './data-summary.js';
import type { TokenizerFiles } from '../tokenizer/wordpiece.js';
import { readJson, writeAtomic, writeJsonAtomic } from '../util/files.js';
import { camelKeys, snakeKeys } from '../util/json-keys.js';
import { checkModelMeta } from './model-check.js';
import { isLinearWeight, toHfLayout } from '../weights/naming.js';
import { encodeSafetensors, parseSafetensors } from '../weights/safetensors.js';
import type { HostTensor } from '../spec/host-tensor.js';

/**
 * The model folder `ner train` writes and predict, eval and serve read: a Hugging Face folder
 * (config.json, model.safetensors in HF names and layout, tokenizer files) whose config.json has
 * an `ner` section. Every file is written atomically.
 */

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
  /** Sizes and entity counts of the corpora it was trained on (models from before this field lack it). */
  data?: DataSummary;
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
function fromFile(weights: Map<string, HostTensor>): Map<string, HostTensor> {
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
    ner: snakeKeys(o.meta),
  };
  writeAtomic(join(dir, 'model.safetensors'), encodeSafetensors(toFile(o.params), { format: 'pt', producer: 'ner' }));
  if (o.tokenizer.tokenizerJson) writeAtomic(join(dir, 'tokenizer.json'), JSON.stringify(o.tokenizer.tokenizerJson));
  if (o.tokenizer.vocab) writeAtomic(join(dir, 'vocab.txt'), o.tokenizer.vocab.join('\n') + '\n');
  writeJsonAtomic(join(dir, 'tokenizer_config.json'), { tokenizer_class: 'BertTokenizer', ...o.tokenizer.config });
  writeJsonAtomic(join(dir, 'config.json'), config);
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
  const bert = parseBertConfig(raw);
  if (typeof bert === 'string') throw new InputError(configPath, undefined, bert);
  const meta = checkModelMeta(camelKeys(raw.ner), configPath, bert);
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
