import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readJson } from '../util/files.js';
import { camelKeys } from '../util/json-keys.js';
import type { DataSummary } from './data-summary.js';
import { readModelDir } from './model-dir.js';

export interface ScoreSummary {
  precision: number;
  recall: number;
  f1: number;
  file?: string;
}

/** What `ner info` shows and the model card states: architecture, labels, data, scores, config. */
export interface ModelInfo {
  folder: string;
  architecture: { encoderLayers: number; hiddenSize: number; attentionHeads: number; vocabSize: number; lstmHidden: number; crf: boolean };
  labels: string[];
  scheme: string;
  fileScheme: string;
  maxLen: number;
  constrain: boolean;
  data: DataSummary | null;
  scores: { dev: ScoreSummary | null; test: ScoreSummary | null; bestEpoch: number | null };
  config: Record<string, unknown>;
  versions: Record<string, string>;
}

/** Reads a model folder written by `ner train` (config.json's ner section and metrics.json). */
export function readModelInfo(folder: string): ModelInfo {
  const saved = existsSync(folder) ? readModelDir(folder) : undefined;
  if (!saved) throw new InputError(folder, undefined, 'not a model folder of `ner train` (config.json with an "ner" section); train one with `ner train --out DIR`');
  const { spec, meta } = saved;
  const metricsPath = join(folder, 'metrics.json');
  const metrics = existsSync(metricsPath) ? camelKeys<{ dev?: ScoreSummary; test?: ScoreSummary | null; bestEpoch?: number }>(readJson(metricsPath)) : {};
  const score = (s: ScoreSummary | null | undefined): ScoreSummary | null =>
    s ? { precision: s.precision, recall: s.recall, f1: s.f1, ...(s.file ? { file: s.file } : {}) } : null;
  return {
    folder,
    architecture: {
      encoderLayers: spec.numLayers,
      hiddenSize: spec.bert.hiddenSize,
      attentionHeads: spec.bert.numHeads,
      vocabSize: spec.bert.vocabSize,
      lstmHidden: spec.lstmHidden,
      crf: spec.crf,
    },
    labels: spec.labels,
    scheme: meta.scheme,
    fileScheme: meta.fileScheme,
    maxLen: meta.maxLen,
    constrain: meta.constrain,
    data: meta.data ?? null,
    scores: { dev: score(metrics.dev), test: score(metrics.test), bestEpoch: metrics.bestEpoch ?? null },
    config: meta.config,
    versions: meta.versions,
  };
}
