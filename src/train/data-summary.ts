import { labelType } from '../data/labels.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { CorpusSummary, DataSummary } from '../store/data-summary.js';
import type { Corpus, PreparedData } from './corpus.js';

/** Entities counted by their first label (B-/S-/U-, or I-/M- after another type or O: any scheme's start). */
function entityCounts(c: Corpus): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of c.sentences) {
    s.labels.forEach((l, i) => {
      if (l === 'O') return;
      const type = labelType(l);
      const prev = s.labels[i - 1];
      const starts = 'BSU'.includes(l[0]!) || prev === undefined || prev === 'O' || labelType(prev) !== type || 'ESLU'.includes(prev[0]!);
      if (starts) counts[type] = (counts[type] ?? 0) + 1;
    });
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function summarizeCorpus(c: Corpus, tokenizer: WordPieceTokenizer, maxLen: number): CorpusSummary {
  let tokens = 0;
  let overMaxLen = 0;
  for (const s of c.sentences) {
    tokens += s.tokens.length;
    const pieces = s.tokens.reduce((n, t) => n + tokenizer.wordIds(t).length, 2);
    if (pieces > maxLen) overMaxLen += 1;
  }
  return { file: c.file, sentences: c.sentences.length, tokens, overMaxLen, entities: entityCounts(c) };
}

export function summarizeData(data: PreparedData, tokenizer: WordPieceTokenizer, maxLen: number): DataSummary {
  return {
    fileScheme: data.fileScheme,
    scheme: data.scheme,
    labels: data.labels.length,
    train: summarizeCorpus(data.train, tokenizer, maxLen),
    dev: summarizeCorpus(data.dev, tokenizer, maxLen),
    test: data.test ? summarizeCorpus(data.test, tokenizer, maxLen) : null,
  };
}

/** The summary as lines for the log. */
export function formatDataSummary(d: DataSummary, maxLen: number): string[] {
  const scheme = d.scheme === d.fileScheme ? `scheme ${d.fileScheme} (detected)` : `scheme ${d.fileScheme} (detected), trained as ${d.scheme}`;
  const lines = [`data: ${scheme}, ${d.labels} labels`];
  const named: [string, CorpusSummary | null][] = [['train', d.train], ['dev', d.dev], ['test', d.test]];
  for (const [name, c] of named) {
    if (!c) continue;
    const ents = Object.entries(c.entities).map(([t, n]) => `${t} ${n}`).join(', ') || 'no entities';
    lines.push(`  ${name.padEnd(5)} ${c.file}: ${c.sentences} sentences, ${c.tokens} tokens, ${c.overMaxLen} longer than --max-len ${maxLen} (windowed); ${ents}`);
  }
  return lines;
}
