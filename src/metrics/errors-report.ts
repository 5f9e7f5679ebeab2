import type { Entity } from './entities.js';
import { ERROR_KINDS, errorBreakdown, type EntityError } from './errors.js';

export interface ErrorSentence {
  tokens: readonly string[];
  /** Where the sentence starts, e.g. `file:line`. */
  where: string;
}

const show = (e: Entity | null, tokens: readonly string[]) => (e ? `${e.type} "${tokens.slice(e.start, e.end).join(' ')}" [${e.start}, ${e.end})` : '-');

/** The `--errors` file: the breakdown per type, then every error with its sentence. */
export function formatErrors(errors: readonly EntityError[], sentences: readonly ErrorSentence[]): string {
  const table = errorBreakdown(errors);
  const width = Math.max(5, ...Object.keys(table).map((t) => t.length));
  const head = ['type'.padEnd(width), ...ERROR_KINDS.map((k) => k.padStart(Math.max(k.length, 6)))].join('  ');
  const rows = Object.entries(table).map(([t, counts]) => [t.padEnd(width), ...ERROR_KINDS.map((k) => String(counts[k]).padStart(Math.max(k.length, 6)))].join('  '));
  const total = ['total'.padEnd(width), ...ERROR_KINDS.map((k) => String(errors.filter((e) => e.kind === k).length).padStart(Math.max(k.length, 6)))].join('  ');
  let out = `# ${errors.length} entity errors\n${head}\n${rows.join('\n')}${rows.length ? '\n' : ''}${total}\n`;
  let last = -1;
  for (const e of errors) {
    const s = sentences[e.sentence]!;
    if (e.sentence !== last) out += `\n${s.where}: ${s.tokens.join(' ')}\n`;
    last = e.sentence;
    out += `  ${e.kind.padEnd(23)}  gold ${show(e.gold, s.tokens)}  predicted ${show(e.predicted, s.tokens)}\n`;
  }
  return out;
}
