import { windows } from '../data/align.js';
import type { Example } from '../data/batches.js';
import { readCorpus, type Sentence } from '../data/conll.js';
import { positionDigitWarning, transformSentences, type TokenTransform } from '../data/token-transform.js';
import { labelType } from '../data/labels.js';
import { convertLabels, detectFileScheme, SCHEME_PREFIXES, type Scheme } from '../data/schemes.js';
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
  /** Things about the data the user should know (e.g. Weibo-style position digits). */
  warnings: string[];
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
  tokenColumn: number | null;
  labelColumn: number | null;
  tokenTransform: TokenTransform;
}): Promise<PreparedData> {
  const limit = <T>(xs: T[], n: number | null) => (n === null ? xs : xs.slice(0, n));
  const warnings: string[] = [];
  const read = async (file: string, n: number | null) => {
    const sentences = limit(await readCorpus(file, 'labelled', { tokenColumn: o.tokenColumn, labelColumn: o.labelColumn }), n);
    const warning = o.tokenTransform === 'none' ? positionDigitWarning(file, sentences) : undefined;
    if (warning) warnings.push(warning);
    return transformSentences(sentences, o.tokenTransform);
  };
  let trainSentences = await read(o.train, o.trainLimit);
  let dev: Corpus;
  if (o.dev) {
    dev = { file: o.dev, sentences: await read(o.dev, o.devLimit) };
  } else {
    const cut = Math.round(trainSentences.length * (1 - o.holdout));
    if (cut < 1 || cut >= trainSentences.length) throw new InputError(o.train, undefined, `too few sentences (${trainSentences.length}) to hold out ${o.holdout} as dev; pass --dev`);
    dev = { file: `${o.train} (last ${Math.round(o.holdout * 100)}%)`, sentences: limit(trainSentences.slice(cut), o.devLimit) };
    trainSentences = trainSentences.slice(0, cut);
  }
  const test = o.test ? { file: o.test, sentences: await read(o.test, o.testLimit) } : null;
  const fileScheme = detectFileScheme(o.train, trainSentences.map((s) => s.labels), 'fix the labels or pass --scheme');
  const scheme = o.scheme ?? fileScheme;
  const convert = (c: Corpus): Corpus =>
    scheme === fileScheme ? c : { file: c.file, sentences: c.sentences.map((s) => ({ ...s, labels: convertLabels(s.labels, scheme) })) };
  const train = convert({ file: o.train, sentences: trainSentences });
  const types = entityTypes(train.sentences);
  const labels = labelSet(types, scheme);
  const converted = { dev: convert(dev), test: test ? convert(test) : null };
  const trainName = o.dev ? o.train : `the first ${Math.round((1 - o.holdout) * 100)}% of ${o.train}`;
  for (const c of [converted.dev, converted.test]) if (c) checkTypes(c, types, trainName);
  return { train, dev: converted.dev, test: converted.test, fileScheme, scheme, labels, warnings };
}

/** Entity types of a corpus's labels ('B-PER' → PER). */
function entityTypes(sentences: readonly Sentence[]): Set<string> {
  const types = new Set<string>();
  for (const s of sentences) for (const l of s.labels) if (l !== 'O') types.add(labelType(l));
  return types;
}

/**
 * The label set: 'O', then every prefix of the scheme for every type, sorted. Built from types,
 * not from the labels train happens to contain, so a dev `S-ORG` is accepted when train only has
 * multi-token ORG entities (the model can still predict it).
 */
export function labelSet(types: ReadonlySet<string>, scheme: Scheme): string[] {
  const labels = [...types].flatMap((t) => SCHEME_PREFIXES[scheme].map((p) => `${p}-${t}`));
  return ['O', ...labels.sort()];
}

/** Types in dev/test that train lacks are an error: the model could never predict them. */
function checkTypes(c: Corpus, types: ReadonlySet<string>, trainName: string): void {
  const unseen = new Map<string, number>();
  c.sentences.forEach((s) =>
    s.labels.forEach((l, i) => {
      const t = l === 'O' ? '' : labelType(l);
      if (t !== '' && !types.has(t) && !unseen.has(t)) unseen.set(t, s.line + i);
    }),
  );
  if (unseen.size === 0) return;
  const [first, line] = [...unseen][0]!;
  throw new InputError(
    c.file,
    line,
    `entity types never seen in ${trainName}: ${[...unseen.keys()].join(', ')} (first: ${first}); the model could never predict them — add examples to train or relabel`,
  );
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
