import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, NerError } from '../errors.js';
import { labelListProblem, MAX_LABELS } from '../data/label-list.js';
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
    throw asFileError(weightsFile, err);
  }
  const rawConfig = readJson(configPath);
  const config = parseBertConfig(rawConfig);
  if (typeof config === 'string') throw new InputError(configPath, undefined, config);
  const n = normalizeWeights(raw.weights, reader.tfLayout);
  const id2label = n.heads.has('classifier.weight') && rawConfig.id2label !== undefined ? readId2label(rawConfig.id2label, configPath) : undefined;
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

/** config.json's id2label: keys 0..n-1, each a valid label, at most MAX_LABELS of them. */
function readId2label(raw: unknown, file: string): string[] {
  const fail = (what: string): never => {
    throw new InputError(file, undefined, `id2label: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must be an object {"0": "O", "1": "B-PER", …}');
  const keys = Object.keys(raw);
  if (keys.length > MAX_LABELS) fail(`has ${keys.length} entries; at most ${MAX_LABELS} labels are supported`);
  const labels = keys.map((_, i) => (raw as Record<string, unknown>)[String(i)]);
  if (labels.some((l) => l === undefined)) fail(`keys must be 0 to ${keys.length - 1}`);
  const problem = labelListProblem(labels);
  if (problem) fail(problem);
  return labels as string[];
}

/**
 * The loader boundary: whatever a damaged file makes a parser throw (a bounds message, or a raw
 * RangeError / TypeError from deep inside) leaves as one InputError naming the file.
 */
export function asFileError(file: string, err: unknown): Error {
  if (err instanceof NerError) return err;
  if (err instanceof WeightsFormatError) return new InputError(file, undefined, err.message);
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR') return new InputError(file, undefined, `cannot be read (${e.code})`);
  const detail = e instanceof RangeError && /call stack/.test(e.message) ? 'nested too deeply' : (e?.message ?? String(err));
  return new InputError(file, undefined, `is damaged or not a model file (${detail})`);
}
