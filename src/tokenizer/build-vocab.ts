import { pretokenize } from './pretokenize.js';

/**
 * A WordPiece vocabulary for a scratch model, built from training tokens: the special tokens,
 * every character (alone and as a `##` continuation, so any word of the corpus can be spelled),
 * then the most frequent whole words.
 */
export function buildVocab(tokens: Iterable<string>, o: { words: number; lowercase: boolean }): string[] {
  const words = new Map<string, number>();
  const chars = new Set<string>();
  for (const token of tokens) {
    for (const w of pretokenize(o.lowercase ? token.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '') : token)) {
      words.set(w.text, (words.get(w.text) ?? 0) + 1);
      for (const ch of w.text) chars.add(ch);
    }
  }
  const sortedChars = [...chars].sort();
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', ...sortedChars, ...sortedChars.map((c) => `##${c}`)];
  const have = new Set(vocab);
  const frequent = [...words].filter(([w]) => !have.has(w)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  for (const [w] of frequent.slice(0, o.words)) vocab.push(w);
  return vocab;
}
