import { formatConllSentence } from '../data/conll.js';
import { convertLabels, type Scheme } from '../data/schemes.js';
import { pretokenize } from '../tokenizer/pretokenize.js';
import type { PredictedEntity } from './predictor.js';
import { wordLabels } from './word-labels.js';

export type PredictionFormat = 'jsonl' | 'conll';

/** A labelled document as `ner predict` writes it (and `serve` answers). */
export interface TextPrediction {
  text: string;
  entities: PredictedEntity[];
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The JSON of one document: its text and entities with JavaScript string offsets, scores to 4 decimals. */
export function predictionJson(r: TextPrediction): { text: string; entities: { type: string; start: number; end: number; text: string; score: number }[] } {
  return { text: r.text, entities: r.entities.map((e) => ({ type: e.type, start: e.start, end: e.end, text: e.text, score: round(e.score) })) };
}

/** `token label` lines of one document, labels in `fileScheme` (the scheme the model was trained from). */
export function predictionConll(r: TextPrediction, fileScheme: Scheme): string {
  const words = pretokenize(r.text);
  const labels = wordLabels(words, r.entities);
  return words.length ? formatConllSentence(words.map((w) => w.text), [convertLabels(labels, fileScheme)]) : '\n';
}

/** One document in the output format, newline-terminated; `file` names its input when there are several. */
export function formatPrediction(r: TextPrediction, format: PredictionFormat, fileScheme: Scheme, file?: string): string {
  if (format === 'conll') return predictionConll(r, fileScheme);
  return JSON.stringify(file === undefined ? predictionJson(r) : { file, ...predictionJson(r) }) + '\n';
}

/** Where the documents of one of several input files begin, in CoNLL output (readers skip -DOCSTART- lines). */
export function conllFileMarker(file: string): string {
  return `-DOCSTART- ${file}\n\n`;
}
