import type { Span } from '../data/chunks.js';
import type { Scheme } from '../data/schemes.js';

/**
 * seqeval's strict mode (chakki-works/seqeval scheme.py, `Tokens.entities`): an entity counts only
 * when its tokens follow the scheme's start → inside* → end patterns. Ported pattern by pattern,
 * quirks included (IOB1: an entity opened by B- after O is dropped).
 */
type Cond = 'ANY' | 'SAME' | 'DIFF';
type Pattern = readonly [prev: string, cur: string, cond: Cond];
interface Rules {
  allowed: string;
  start: readonly Pattern[];
  inside: readonly Pattern[];
  end: readonly Pattern[];
}

const ANY = 'IOBESUL';

const RULES: Partial<Record<Scheme, Rules>> = {
  IOB1: {
    allowed: 'IOB',
    start: [['O', 'I', 'ANY'], ['I', 'I', 'DIFF'], ['B', 'I', 'ANY'], ['I', 'B', 'SAME'], ['B', 'B', 'SAME']],
    inside: [['B', 'I', 'SAME'], ['I', 'I', 'SAME']],
    end: [['I', 'I', 'DIFF'], ['I', 'O', 'ANY'], ['I', 'B', 'ANY'], ['B', 'O', 'ANY'], ['B', 'I', 'DIFF'], ['B', 'B', 'SAME']],
  },
  IOB2: {
    allowed: 'IOB',
    start: [[ANY, 'B', 'ANY']],
    inside: [['B', 'I', 'SAME'], ['I', 'I', 'SAME']],
    end: [['I', 'O', 'ANY'], ['I', 'I', 'DIFF'], ['I', 'B', 'ANY'], ['B', 'O', 'ANY'], ['B', 'I', 'DIFF'], ['B', 'B', 'ANY']],
  },
  IOE2: {
    allowed: 'IOE',
    start: [['O', 'I', 'ANY'], ['O', 'E', 'ANY'], ['E', 'I', 'ANY'], ['E', 'E', 'ANY'], ['I', 'I', 'DIFF'], ['I', 'E', 'DIFF']],
    inside: [['I', 'E', 'SAME'], ['I', 'I', 'SAME']],
    end: [['E', 'I', 'ANY'], ['E', 'E', 'ANY'], ['E', 'O', 'ANY']],
  },
  IOBES: {
    allowed: 'IOBES',
    start: [[ANY, 'B', 'ANY'], [ANY, 'S', 'ANY']],
    inside: [['B', 'I', 'SAME'], ['B', 'E', 'SAME'], ['I', 'I', 'SAME'], ['I', 'E', 'SAME']],
    end: [['S', ANY, 'ANY'], ['E', ANY, 'ANY']],
  },
  BILOU: {
    allowed: 'IOBLU',
    start: [[ANY, 'B', 'ANY'], [ANY, 'U', 'ANY']],
    inside: [['B', 'I', 'SAME'], ['B', 'L', 'SAME'], ['I', 'I', 'SAME'], ['I', 'L', 'SAME']],
    end: [['U', ANY, 'ANY'], ['L', ANY, 'ANY']],
  },
};

/** Schemes strict mode can score (BMES is read as IOBES with M- as I-). */
export const STRICT_SCHEMES: readonly Scheme[] = ['IOB1', 'IOB2', 'IOE2', 'IOBES', 'BMES', 'BILOU'];

/** A label the scheme does not allow; `token` is its index in the sentence. */
export class StrictSchemeError extends Error {
  sentence = 0;
  constructor(
    message: string,
    readonly token: number,
  ) {
    super(message);
  }
}

interface Tok {
  prefix: string;
  tag: string;
}

function token(label: string, index: number, scheme: Scheme, rules: Rules): Tok {
  let prefix = label[0] ?? '';
  if (scheme === 'BMES' && prefix === 'M') prefix = 'I';
  if (!ANY.includes(prefix) || prefix === '' || !rules.allowed.includes(prefix)) {
    throw new StrictSchemeError(
      `label '${label}' is not valid in ${scheme}: allowed prefixes are ${[...'OBIMESLU'].filter((p) => (scheme === 'BMES' ? 'OBMES' : rules.allowed).includes(p)).join(', ')}`,
      index,
    );
  }
  const tag = trimDashes(label.slice(1)) || '_';
  return { prefix, tag };
}

/** seqeval's `tag.strip('-')`, by scanning: a `-+$` regex is quadratic on long dash runs. */
function trimDashes(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s[start] === '-') start++;
  while (end > start && s[end - 1] === '-') end--;
  return s.slice(start, end);
}

function matches(prev: Tok, cur: Tok, patterns: readonly Pattern[]): boolean {
  for (const [p, c, cond] of patterns) {
    if (!p.includes(prev.prefix) || !c.includes(cur.prefix)) continue;
    if (cond === 'ANY' || (cond === 'SAME') === (prev.tag === cur.tag)) return true;
  }
  return false;
}

/** Entities of one sentence under seqeval's strict rules for `scheme`. */
export function strictEntities(labels: readonly string[], scheme: Scheme): Span[] {
  const rules = RULES[scheme === 'BMES' ? 'IOBES' : scheme];
  if (!rules) throw new Error(`strict mode does not support ${scheme}; use one of ${STRICT_SCHEMES.join(', ')}`);
  const outside: Tok = { prefix: 'O', tag: '_' };
  const toks = labels.map((l, i) => token(l, i, scheme, rules));
  const ext = [...toks, outside];
  const spans: Span[] = [];
  let prev = outside;
  let i = 0;
  while (i < toks.length) {
    const cur = toks[i]!;
    if (matches(prev, cur, rules.start)) {
      let end = i + 1;
      let last = cur;
      while (end < ext.length && matches(last, ext[end]!, rules.inside)) last = ext[end++]!;
      if (matches(ext[end - 1]!, ext[end]!, rules.end)) spans.push({ type: cur.tag, start: i, end });
      i = end;
    } else {
      i += 1;
    }
    prev = ext[i - 1]!;
  }
  return spans;
}
