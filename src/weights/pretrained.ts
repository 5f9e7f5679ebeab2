import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { parseBertConfig, type BertConfig } from '../model/bert-config.js';
import { readTokenizerFiles, type TokenizerFiles } from '../tokenizer/wordpiece.js';
import { readJson } from '../util/files.js';
import { ensureHubModel, HUB_ID } from './hub.js';
import { normalizeWeights } from './naming.js';
import { parseSafetensors } from './safetensors.js';
import { WeightsFormatError, type WeightMap } from './tensors.js';
import { readTfCheckpoint } from './tf-checkpoint.js';
import { parseTorchCheckpoint } from './torch.js';

export type CheckpointFormat = 'safetensors' | 'pytorch' | 'tf-checkpoint';

/** A pretrained BERT as found on disk or on the hub, in internal naming and layout. */
export interface Pretrained {
  /** What the user passed (folder or hub id). */
  source: string;
  /** The local folder read. */
  dir: string;
  format: CheckpointFormat;
  weightsFile: string;
  config: BertConfig;
  encoder: WeightMap;
  /** Token-classification head weights (classifier.weight [hidden, labels], classifier.bias), if any. */
  heads: WeightMap;
  /** Labels of that head, from config.json id2label. */
  id2label?: string[];
  /** Names dropped on purpose (optimizer slots, pretraining heads, integer buffers). */
  ignored: string[];
  /** Names in the file that mean nothing to a BERT encoder. */
  unexpected: string[];
  tokenizerFiles: TokenizerFiles;
}

/** Loads a Hugging Face folder, a Google TF checkpoint folder, or a hub id (downloaded once, cached). */
export async function loadPretrained(source: string): Promise<Pretrained> {
  let dir = source;
  if (!existsSync(source)) {
    if (!HUB_ID.test(source)) throw new InputError(source, undefined, 'no such model folder, and not a hub id (like bert-base-chinese or org/name)');
    dir = await ensureHubModel(source);
  } else if (!statSync(source).isDirectory()) {
    throw new InputError(source, undefined, 'is a file; pass the model folder that contains it');
  }
  const has = (f: string) => existsSync(join(dir, f));
  const found = readdirSync(dir);
  let configPath: string;
  let format: CheckpointFormat;
  let weightsFile: string;
  let raw: { weights: WeightMap; skipped: string[] };
  try {
    if (has('config.json') && (has('model.safetensors') || has('pytorch_model.bin'))) {
      configPath = join(dir, 'config.json');
      format = has('model.safetensors') ? 'safetensors' : 'pytorch';
      weightsFile = join(dir, format === 'safetensors' ? 'model.safetensors' : 'pytorch_model.bin');
      const bytes = readFileSync(weightsFile);
      raw = format === 'safetensors' ? parseSafetensors(bytes) : parseTorchCheckpoint(bytes);
    } else {
      const index = found.find((f) => /\.ckpt(-\d+)?\.index$/.test(f));
      const config = has('bert_config.json') ? 'bert_config.json' : has('config.json') ? 'config.json' : undefined;
      if (!index || !config) {
        throw new InputError(
          dir,
          undefined,
          `not a BERT model folder: expected config.json with model.safetensors or pytorch_model.bin (Hugging Face), or bert_config.json with bert_model.ckpt.index (Google); found ${found.join(', ') || 'nothing'}`,
        );
      }
      configPath = join(dir, config);
      format = 'tf-checkpoint';
      weightsFile = join(dir, index.replace(/\.index$/, ''));
      raw = readTfCheckpoint(weightsFile);
    }
  } catch (err) {
    if (err instanceof WeightsFormatError) throw new InputError(weightsFile! ?? dir, undefined, err.message);
    throw err;
  }
  const rawConfig = readJson(configPath);
  const config = parseBertConfig(rawConfig);
  if (typeof config === 'string') throw new InputError(configPath, undefined, config);
  const n = normalizeWeights(raw.weights, format === 'tf-checkpoint');
  const id2 = rawConfig.id2label as Record<string, string> | undefined;
  const id2label = id2 && n.heads.has('classifier.weight') ? Object.keys(id2).sort((a, b) => Number(a) - Number(b)).map((k) => id2[k]!) : undefined;
  return {
    source,
    dir,
    format,
    weightsFile,
    config,
    encoder: n.encoder,
    heads: n.heads,
    ...(id2label ? { id2label } : {}),
    ignored: [...raw.skipped, ...n.ignored],
    unexpected: n.unexpected,
    tokenizerFiles: readTokenizerFiles(dir),
  };
}
