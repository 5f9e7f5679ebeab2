import { windows } from '../data/align.js';
import type { Example } from '../data/batches.js';
import { readCorpus, type Sentence } from '../data/conll.js';
import { convertLabels, detectScheme, SchemeError, type Scheme } from '../data/schemes.js';
import { InputError } from '../errors.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';

/** A corpus with the file it came from, labels in the training scheme. */
export interface Corpus {
  file: string;
  sentences: Sentence[];
}

export interface PreparedData {
  train: Corpus;
  dev: Corpus;
  test: Corpus | null;
  /** Scheme the files are written in (detected from train). */
  fileScheme: Scheme;
  /** Scheme the model is trained in. */
  scheme: Scheme;
  /** 'O' first, then sorted. */
  labels: string[];
}

/** Reads train/dev/test, holds out dev when needed, converts to the training scheme, checks labels. */
export async function prepareData(o: {
  train: string;
  dev: string | null;
  test: string | null;
  holdout: number;
  scheme: Scheme | null;
  trainLimit: number | null;
  devLimit: number | null;
  testLimit: number | null;
}): Promise<PreparedData> {
  const limit = <T>(xs: T[], n: number | null) => (n === null ? xs : xs.slice(0, n));
  let trainSentences = limit(await readCorpus(o.train, 'labelled'), o.trainLimit);
  let dev: Corpus;
  if (o.dev) {
    dev = { file: o.dev, sentences: limit(await readCorpus(o.dev, 'labelled'), o.devLimit) };
  } else {
    const cut = Math.round(trainSentences.length * (1 - o.holdout));
    if (cut < 1 || cut >= trainSentences.length) throw new InputError(o.train, undefined, `too few sentences (${trainSentences.length}) to hold out ${o.holdout} as dev; pass --dev`);
    dev = { file: `${o.train} (last ${Math.round(o.holdout * 100)}%)`, sentences: limit(trainSentences.slice(cut), o.devLimit) };
    trainSentences = trainSentences.slice(0, cut);
  }
  const test = o.test ? { file: o.test, sentences: limit(await readCorpus(o.test, 'labelled'), o.testLimit) } : null;
  let fileScheme: Scheme;
  try {
    fileScheme = detectScheme(trainSentences.map((s) => s.labels));
  } catch (err) {
    if (err instanceof SchemeError) throw new InputError(o.train, undefined, `${err.message}; fix the labels or pass --scheme`);
    throw err;
  }
  const scheme = o.scheme ?? fileScheme;
  const convert = (c: Corpus): Corpus =>
    scheme === fileScheme ? c : { file: c.file, sentences: c.sentences.map((s) => ({ ...s, labels: convertLabels(s.labels, scheme) })) };
  const train = convert({ file: o.train, sentences: trainSentences });
  const labelSet = new Set(train.sentences.flatMap((s) => s.labels));
  labelSet.delete('O');
  const labels = ['O', ...[...labelSet].sort()];
  const converted = { dev: convert(dev), test: test ? convert(test) : null };
  for (const c of [converted.dev, converted.test]) {
    if (!c) continue;
    const unseen = new Map<string, number>();
    c.sentences.forEach((s) => s.labels.forEach((l, i) => !labelSet.has(l) && l !== 'O' && !unseen.has(l) && unseen.set(l, s.line + i)));
    if (unseen.size > 0) {
      const [first, line] = [...unseen][0]!;
      throw new InputError(c.file, line, `labels never seen in ${o.train}: ${[...unseen.keys()].join(', ')} (first: ${first}); the model could never predict them — add examples to train or relabel`);
    }
  }
  return { train, dev: converted.dev, test: converted.test, fileScheme, scheme, labels };
}

/** Training examples: every window of every sentence, with the gold label index of each of its words. */
export function trainingExamples(c: Corpus, tokenizer: WordPieceTokenizer, labels: string[], maxLen: number): Example[] {
  const index = new Map(labels.map((l, i) => [l, i]));
  return c.sentences.flatMap((s) =>
    windows(
      s.tokens.map((t) => tokenizer.wordIds(t)),
      { maxLen, clsId: tokenizer.clsId, sepId: tokenizer.sepId },
    ).map((window) => ({ window, tags: s.labels.slice(window.firstWord, window.firstWord + window.wordStarts.length).map((l) => index.get(l)!) })),
  );
}
