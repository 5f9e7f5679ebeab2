import type { Sentence } from './conll.js';
import { convertLabels, type Scheme } from './schemes.js';
import { rewriteLines } from './rewrite-lines.js';

/**
 * A CoNLL file's text with its labels re-encoded in `scheme`: only the label column of token
 * lines changes, so feature columns, separators, `-DOCSTART-` and blank lines stay as they were.
 * `sentences` are the file as readCorpus read it (token i of a sentence is on line `line + i`).
 */
export async function convertCorpusText(path: string, sentences: readonly Sentence[], scheme: Scheme, labelColumn: number | null): Promise<{ text: string; changed: number }> {
  const byLine = new Map<number, string>();
  let changed = 0;
  for (const s of sentences) {
    convertLabels(s.labels, scheme).forEach((label, i) => {
      byLine.set(s.line + i, label);
      if (label !== s.labels[i]) changed += 1;
    });
  }
  const text = await rewriteLines(path, (line) => {
    const label = byLine.get(line.number);
    return label === undefined ? line.text : replaceColumn(line.text, labelColumn, label);
  });
  return { text, changed };
}

/** The line with column `n` (1-based; null = the last) replaced, separators kept. */
function replaceColumn(text: string, n: number | null, value: string): string {
  const parts = text.split(/([ \t]+)/);
  const fields = parts.map((p, i) => ({ p, i })).filter(({ p }, i) => i % 2 === 0 && p !== '');
  const target = n === null ? fields[fields.length - 1]! : fields[n - 1]!;
  parts[target.i] = value;
  return parts.join('');
}
