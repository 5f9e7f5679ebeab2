import type { Evaluation } from './evaluate.js';
import type { Scores } from './score.js';

/**
 * A classification report laid out like seqeval's `classification_report`, preceded by
 * conlleval's summary line so figures can be checked against either tool.
 */
export function formatReport(e: Evaluation, digits = 4): string {
  const types = Object.keys(e.perType);
  const width = Math.max('weighted avg'.length, digits, ...types.map((t) => t.length));
  const num = (x: number) => (Number.isNaN(x) ? 'nan' : x.toFixed(digits)).padStart(9);
  const row = (name: string, s: Scores) =>
    `${name.padStart(width)}  ${num(s.precision)} ${num(s.recall)} ${num(s.f1)} ${String(s.support).padStart(9)}\n`;
  const pct = (x: number) => (100 * x).toFixed(2);
  let out =
    `processed ${e.tokens} tokens with ${e.micro.support} phrases; found: ${e.micro.predicted} phrases; correct: ${e.micro.correct}.\n` +
    `accuracy: ${pct(e.accuracy)}%; precision: ${pct(e.micro.precision)}%; recall: ${pct(e.micro.recall)}%; FB1: ${pct(e.micro.f1)}\n` +
    `mode: ${e.mode}${e.scheme ? `, scheme: ${e.scheme}` : ''}\n\n`;
  out += `${''.padStart(width)}  ${['precision', 'recall', 'f1-score', 'support'].map((h) => h.padStart(9)).join(' ')}\n\n`;
  for (const t of types) out += row(t, e.perType[t]!);
  out += '\n';
  out += row('micro avg', e.micro);
  out += row('macro avg', e.macro);
  out += row('weighted avg', e.weighted);
  return out;
}
