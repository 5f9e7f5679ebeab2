import { convertLabels, type Scheme } from '../data/schemes.js';
import type { Mode } from '../metrics/entities.js';
import { evaluateLabels, tokenAccuracy, type Evaluation } from '../metrics/evaluate.js';
import type { Predictor } from '../predict/predictor.js';
import type { Corpus } from './corpus.js';

export interface CorpusEvaluation {
  evaluation: Evaluation;
  /** Predicted labels per sentence, in the corpus file's scheme. */
  predicted: string[][];
  /** Fraction of tokens predicted O (a collapsed model predicts almost only O). */
  outsideFraction: number;
}

/**
 * Scores a model on a corpus. Gold and predicted labels are compared in the file's scheme; in
 * default mode entities are read from both re-encoded as IOB2 (lossless for spans), so BILOU data
 * is not misread by conlleval's B/I/E/S rules, while token accuracy stays on the file's own labels
 * (what conlleval reports on the `--output` file). `ner train` and `ner eval --model` both score this way.
 */
export async function evaluateCorpus(
  predictor: Predictor,
  corpus: Corpus,
  o: { fileScheme: Scheme; mode?: Mode; strictScheme?: Scheme; onBatch?: (words: number) => void },
): Promise<CorpusEvaluation> {
  const predictions = await predictor.predictWords(
    corpus.sentences.map((s) => s.tokens),
    o.onBatch,
  );
  const predicted = predictions.map((p) => convertLabels(p.labels, o.fileScheme));
  const gold = corpus.sentences.map((s) => convertLabels(s.labels, o.fileScheme));
  const mode = o.mode ?? 'default';
  const scheme = o.strictScheme ?? o.fileScheme;
  const evaluation =
    mode === 'default'
      ? {
          ...evaluateLabels(
            gold.map((g) => convertLabels(g, 'IOB2')),
            predicted.map((p) => convertLabels(p, 'IOB2')),
            { mode },
          ),
          ...tokenAccuracy(gold, predicted),
        }
      : evaluateLabels(gold, predicted, { mode, scheme, tokens: corpus.sentences.map((s) => s.tokens) });
  const tokens = predicted.reduce((n, p) => n + p.length, 0);
  const outside = predicted.reduce((n, p) => n + p.filter((l) => l === 'O').length, 0);
  return { evaluation: { ...evaluation, scheme }, predicted, outsideFraction: tokens === 0 ? 0 : outside / tokens };
}
