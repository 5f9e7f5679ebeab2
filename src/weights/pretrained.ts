import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { parseBertConfig, type BertConfig } from '../spec/bert-config.js';
import { readTokenizerFiles, type TokenizerFiles } from '../tokenizer/wordpiece.js';
import { readJson } from '../util/files.js';
import type { WeightMap } from '../spec/host-tensor.js';
import { FORMATS, type CheckpointFormat } from './formats.js';
import { modelFolder } from './hub.js';
import { normalizeWeights } from './naming.js';
import { WeightsFormatError } from './tensors.js';

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
  const dir = await modelFolder(source);
  const found = readdirSync(dir);
  // The first format of the table that the folder holds.
  const match = FORMATS.flatMap((reader) => {
    const files = reader.find(found);
    return files ? [{ reader, files }] : [];
  })[0];
  if (!match) {
    throw new InputError(
      dir,
      undefined,
      `not a BERT model folder: expected config.json with model.safetensors or pytorch_model.bin (Hugging Face), or bert_config.json with bert_model.ckpt.index (Google); found ${found.join(', ') || 'nothing'}`,
    );
  }
  const { reader, files } = match;
  const format = reader.format;
  const configPath = join(dir, files.config);
  const weightsFile = join(dir, files.weights);
  let raw: { weights: WeightMap; skipped: string[] };
  try {
    raw = reader.read(weightsFile);
  } catch (err) {
    if (err instanceof WeightsFormatError) throw new InputError(weightsFile, undefined, err.message);
    throw err;
  }
  const rawConfig = readJson(configPath);
  const config = parseBertConfig(rawConfig);
  if (typeof config === 'string') throw new InputError(configPath, undefined, config);
  const n = normalizeWeights(raw.weights, reader.tfLayout);
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
