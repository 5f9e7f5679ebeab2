import type { Word } from '../tokenizer/pretokenize.js';

/**
 * IOB2 labels of words from entity character spans: a word inside an entity is B- at the
 * entity's start, I- after. One pass over both (sorted by offset), so a long line with many
 * entities stays linear; a per-entity scan of every word was quadratic.
 */
export function wordLabels(words: readonly Word[], entities: readonly { type: string; start: number; end: number }[]): string[] {
  const labels = new Array<string>(words.length).fill('O');
  const sorted = [...entities].sort((a, b) => a.start - b.start);
  let w = 0;
  for (const e of sorted) {
    while (w < words.length && words[w]!.start < e.start) w++;
    for (let i = w; i < words.length && words[i]!.end <= e.end; i++) {
      labels[i] = `${words[i]!.start === e.start ? 'B' : 'I'}-${e.type}`;
    }
  }
  return labels;
}
