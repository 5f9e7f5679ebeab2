import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice, type BackendInfo } from './backend.js';
import { UsageError } from './errors.js';
import { BertEncoder } from './model/bert.js';
import type { BertConfig } from './spec/bert-config.js';
import { Params } from './model/params.js';
import { buildTokenizer, type WordPieceTokenizer } from './tokenizer/wordpiece.js';
import { Rng } from './util/rng.js';
import { compareKeys, type KeyReport } from './weights/naming.js';
import { encoderShapes } from './spec/encoder-shapes.js';
import { loadPretrained, type Pretrained } from './weights/pretrained.js';

export interface LoadEncoderOptions {
  /** Keep the first N encoder layers (e.g. 6 of bert-base's 12). */
  numLayers?: number;
  backend?: BackendChoice;
}

/** A pretrained BERT encoder ready for inference (library entry point). */
export interface Encoder {
  config: BertConfig;
  numLayers: number;
  backend: BackendInfo;
  tokenizer: WordPieceTokenizer;
  /** Which checkpoint keys were missing, unexpected, ignored or of another shape. */
  report: KeyReport;
  /** Ids the model would use for each text, with [CLS] and [SEP]. */
  tokenize(texts: string[]): number[][];
  /** Last hidden states [batch][seq][hidden]; masks default to all ones, types to zeros. */
  hiddenStates(inputIds: number[][], attentionMask?: number[][], tokenTypeIds?: number[][]): Promise<number[][][]>;
  dispose(): void;
}

/** Builds the key report of a checkpoint for a model keeping `numLayers` layers. */
export function keyReport(pre: Pretrained, numLayers: number): KeyReport {
  const k = compareKeys(encoderShapes(pre.config, numLayers), pre.encoder, numLayers);
  return { ...k, unexpected: [...pre.unexpected, ...k.unexpected], ignored: pre.ignored };
}

export function checkNumLayers(config: BertConfig, numLayers: number | undefined): number {
  const n = numLayers ?? config.numLayers;
  if (!Number.isInteger(n) || n < 1 || n > config.numLayers) {
    throw new UsageError(`--num-layers must be a whole number from 1 to ${config.numLayers} (the checkpoint's layers), got ${numLayers}`);
  }
  return n;
}

export async function loadEncoder(pathOrHubId: string, options: LoadEncoderOptions = {}): Promise<Encoder> {
  const backend = await selectBackend(options.backend ?? 'auto');
  const pre = await loadPretrained(pathOrHubId);
  const numLayers = checkNumLayers(pre.config, options.numLayers);
  const report = keyReport(pre, numLayers);
  if (report.mismatched.length > 0) {
    throw new UsageError(`${pre.weightsFile}: weights of the wrong shape: ${report.mismatched.map((m) => `${m.name} ${JSON.stringify(m.found)} (expected ${JSON.stringify(m.expected)})`).join(', ')}`);
  }
  const params = new Params();
  const bert = BertEncoder.create(params, pre.config, numLayers, pre.encoder, new Rng(0));
  const tokenizer = buildTokenizer(pre.tokenizerFiles, pre.config.vocabSize);
  const pad = (rows: number[][], fill: number, width: number) => rows.map((r) => [...r, ...new Array<number>(width - r.length).fill(fill)]);
  return {
    config: pre.config,
    numLayers,
    backend,
    tokenizer,
    report,
    tokenize: (texts) => texts.map((t) => tokenizer.encode(t)),
    async hiddenStates(inputIds, attentionMask, tokenTypeIds) {
      const width = Math.max(...inputIds.map((r) => r.length));
      const ids = pad(inputIds, tokenizer.padId, width);
      const mask = attentionMask ? pad(attentionMask, 0, width) : inputIds.map((r) => pad([r.map(() => 1)], 0, width)[0]!);
      const types = tokenTypeIds ? pad(tokenTypeIds, 0, width) : ids.map((r) => r.map(() => 0));
      const out = tf.tidy(() =>
        bert.forward(tf.tensor2d(ids, undefined, 'int32'), tf.tensor2d(mask, undefined, 'int32'), tf.tensor2d(types, undefined, 'int32'), null),
      );
      const values = (await out.array()) as number[][][];
      out.dispose();
      return values;
    },
    dispose: () => params.dispose(),
  };
}
