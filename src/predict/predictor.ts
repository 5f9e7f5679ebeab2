import { windows, type Window } from '../data/align.js';
import { makeBatch, lengthBuckets, type TaggerBatch } from '../data/batches.js';
import type { TransitionMask } from '../data/constraints.js';
import { costBuckets } from '../data/cost-buckets.js';
import { labelsToSpans } from '../data/schemes.js';
import type { Decoded, Tagger } from '../model/tagger.js';
import { pretokenize } from '../tokenizer/pretokenize.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';

export interface PredictorOptions {
  /** Pieces per window, [CLS] and [SEP] included. */
  maxLen: number;
  batchSize: number;
  /**
   * When set, windows sorted by length are cut into batches (of at most `batchSize`) of the least
   * total cost, a batch costing this many word pieces plus its padded pieces (data/cost-buckets.ts);
   * otherwise into batches of `batchSize`. Results are the same either way.
   */
  batchOverhead?: number;
  /** Forbid transitions the label scheme does not allow. */
  mask?: TransitionMask;
  /**
   * Leave words the vocabulary cannot spell ([UNK]) outside entities, as transformers'
   * TokenClassificationPipeline does with a slow tokenizer (it counts [UNK] as special). Used for
   * Hugging Face token-classification checkpoints; `ner`'s own models label every word.
   */
  unknownWordsOutside?: boolean;
  /**
   * Decodes batches somewhere else, e.g. over replica threads (src/parallel/pool.ts); default: the
   * tagger in this thread. Same results either way: each batch is decoded whole by one tagger.
   */
  decoder?: BatchDecoder;
}

/** Decodes padded batches (results in input order). */
export type BatchDecoder = (batches: readonly TaggerBatch[], mask?: TransitionMask) => Promise<Decoded[]>;

/** Batches handed to the decoder at a time: enough to keep every replica busy, few enough for a live progress bar. */
const BATCHES_PER_CALL = 8;

export interface WordPrediction {
  labels: string[];
  /** Confidence of each word's label (CRF marginal or softmax probability). */
  scores: number[];
}

export interface PredictedEntity {
  type: string;
  /** JavaScript string indices into the text, end exclusive. */
  start: number;
  end: number;
  text: string;
  /** Mean confidence of the entity's words. */
  score: number;
}

/** Runs a tagger over pre-split sentences or raw texts, any length (windows are stitched). */
export class Predictor {
  constructor(
    readonly tagger: Tagger,
    readonly tokenizer: WordPieceTokenizer,
    readonly options: PredictorOptions,
  ) {}

  /** Labels for sentences given as words (e.g. a CoNLL file's first column). */
  async predictWords(sentences: readonly (readonly string[])[], onBatch?: (words: number) => void): Promise<WordPrediction[]> {
    const items: { sentence: number; window: Window }[] = [];
    sentences.forEach((words, sentence) => {
      if (words.length === 0) return;
      const pieces = words.map((w) => this.tokenizer.wordIds(w));
      for (const window of windows(pieces, { maxLen: this.options.maxLen, clsId: this.tokenizer.clsId, sepId: this.tokenizer.sepId })) items.push({ sentence, window });
    });
    const out: WordPrediction[] = sentences.map((words) => ({ labels: new Array<string>(words.length).fill('O'), scores: new Array<number>(words.length).fill(1) }));
    const labels = this.tagger.spec.labels;
    const decode: BatchDecoder = this.options.decoder ?? (async (batches, mask) => batches.map((b) => this.tagger.decode(b, mask)));
    const lengths = items.map((i) => i.window.inputIds.length);
    const { batchSize, batchOverhead } = this.options;
    const buckets = (batchOverhead === undefined ? lengthBuckets(lengths, batchSize) : costBuckets(lengths, batchSize, batchOverhead)).map((bucket) => bucket.map((i) => items[i]!));
    for (let from = 0; from < buckets.length; from += BATCHES_PER_CALL) {
      const group = buckets.slice(from, from + BATCHES_PER_CALL);
      const decoded = await decode(
        group.map((chosen) => makeBatch(chosen.map((c) => ({ window: c.window })), this.tokenizer.padId)),
        this.options.mask,
      );
      group.forEach((chosen, g) => {
        chosen.forEach(({ sentence, window }, b) => {
          for (let w = window.ownFrom; w < window.ownTo; w++) {
            const k = w - window.firstWord;
            out[sentence]!.labels[w] = labels[decoded[g]!.labels[b]![k]!]!;
            out[sentence]!.scores[w] = decoded[g]!.scores[b]![k]!;
          }
        });
        onBatch?.(chosen.reduce((n, c) => n + (c.window.ownTo - c.window.ownFrom), 0));
      });
    }
    if (this.options.unknownWordsOutside) {
      sentences.forEach((words, s) =>
        words.forEach((w, i) => {
          const ids = this.tokenizer.wordIds(w);
          if (ids.length === 1 && ids[0] === this.tokenizer.unkId) out[s]!.labels[i] = 'O';
        }),
      );
    }
    return out;
  }

  /** Entities with character offsets for raw texts (no pre-tokenisation needed). */
  async predictTexts(texts: readonly string[], onBatch?: (words: number) => void): Promise<{ text: string; entities: PredictedEntity[] }[]> {
    return (await this.labelTexts(texts, onBatch)).map((t) => ({ text: t.text, entities: entitiesOf(t) }));
  }

  /** Each word of each raw text with its offsets, label and score (what `entitiesOf` groups). */
  async labelTexts(texts: readonly string[], onBatch?: (words: number) => void): Promise<LabelledText[]> {
    const split = texts.map((t) => pretokenize(t));
    const predictions = await this.predictWords(
      split.map((ws) => ws.map((w) => w.text)),
      onBatch,
    );
    return texts.map((text, i) => ({ text, words: split[i]!.map((w, k) => ({ ...w, label: predictions[i]!.labels[k]!, score: predictions[i]!.scores[k]! })) }));
  }
}

export interface LabelledWord {
  text: string;
  /** JavaScript string indices into the text, end exclusive. */
  start: number;
  end: number;
  label: string;
  score: number;
}

export interface LabelledText {
  text: string;
  words: LabelledWord[];
}

/** The entities of a labelled text: spans of words, scored by the mean of their words' scores. */
export function entitiesOf({ text, words }: LabelledText): PredictedEntity[] {
  return labelsToSpans(words.map((w) => w.label)).map((span) => {
    const start = words[span.start]!.start;
    const end = words[span.end - 1]!.end;
    const scores = words.slice(span.start, span.end).map((w) => w.score);
    return { type: span.type, start, end, text: text.slice(start, end), score: scores.reduce((a, b) => a + b, 0) / scores.length };
  });
}
