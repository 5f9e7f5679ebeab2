import type { TypeCounts } from './score.js';

/**
 * `--mode conlleval`: the counts conlleval.pl (CoNLL-2000 scorer, 2004 version) prints, for any
 * input, so figures compare exactly with published conlleval numbers. What it does that seqeval's
 * default mode does not: a label is split on '-' and only the first part after the tag is the
 * type (`B-LOC-GPE` is LOC; a type "0" is empty); E- and S- have no rules of their own beyond the
 * E-/I- pairs of its tables (`E-X B-X` is one chunk, `S-X S-X` too); a line whose token is `-X-`
 * is a sentence break; a chunk is correct when both sides start and end together with the same type (its
 * `inCorrect` state machine, kept here as it is, since odd tags make chunks that never end).
 */
export interface ConllevalToken {
  token: string;
  gold: string;
  predicted: string;
}

export interface ConllevalCounts {
  /** Tokens (sentence breaks excluded) and tokens whose predicted tag and type equal the gold ones. */
  tokens: number;
  correctTags: number;
  /** Per type: gold chunks (support), predicted chunks, correct chunks. */
  types: Map<string, TypeCounts>;
}

/** conlleval.pl's endOfChunk / startOfChunk tag pairs ("prev cur"). */
const ENDS = new Set(['B B', 'B O', 'I B', 'I O', 'E E', 'E I', 'E O']);
const STARTS = new Set(['B B', 'I B', 'O B', 'O I', 'E E', 'E I', 'O E']);
const BRACKET = (t: string) => t === '[' || t === ']';
const BOUNDARY = '-X-';

function chunkEnds(prevTag: string, tag: string, prevType: string, type: string): boolean {
  return ENDS.has(`${prevTag} ${tag}`) || (prevTag !== 'O' && prevTag !== '.' && prevType !== type) || BRACKET(prevTag);
}

function chunkStarts(prevTag: string, tag: string, prevType: string, type: string): boolean {
  return STARTS.has(`${prevTag} ${tag}`) || (tag !== 'O' && tag !== '.' && prevType !== type) || BRACKET(tag);
}

/** Perl's `($tag, $type) = split(/-/, $label)` then `$type ? $type : ""`. */
function split(label: string): { tag: string; type: string } {
  const parts = label.split('-');
  const type = parts[1] ?? '';
  return { tag: parts[0]!, type: type === '0' ? '' : type };
}

function slot(m: Map<string, TypeCounts>, type: string): TypeCounts {
  let c = m.get(type);
  if (!c) m.set(type, (c = { support: 0, predicted: 0, correct: 0 }));
  return c;
}

/**
 * Counts sentences as conlleval.pl reads the lines of a file: each sentence is followed by a
 * blank line (a break with labels O O), which is how conlleval sees the sentence ends.
 */
export function conllevalCounts(sentences: Iterable<readonly ConllevalToken[]>): ConllevalCounts {
  const c: ConllevalCounts = { tokens: 0, correctTags: 0, types: new Map() };
  const last = { gold: { tag: 'O', type: '' }, pred: { tag: 'O', type: '' } };
  let inCorrect = false;
  const step = (t: ConllevalToken) => {
    // A line whose first column is -X- is read as a break whatever its labels say.
    const isBreak = t.token === BOUNDARY;
    const gold = split(isBreak ? 'O' : t.gold);
    const pred = split(isBreak ? 'O' : t.predicted);
    const { gold: lg, pred: lp } = last;
    if (inCorrect) {
      const endGold = chunkEnds(lg.tag, gold.tag, lg.type, gold.type);
      const endPred = chunkEnds(lp.tag, pred.tag, lp.type, pred.type);
      if (endGold && endPred && lp.type === lg.type) {
        inCorrect = false;
        slot(c.types, lg.type).correct += 1;
      } else if (endGold !== endPred || pred.type !== gold.type) {
        inCorrect = false;
      }
    }
    const startGold = chunkStarts(lg.tag, gold.tag, lg.type, gold.type);
    const startPred = chunkStarts(lp.tag, pred.tag, lp.type, pred.type);
    if (startGold && startPred && pred.type === gold.type) inCorrect = true;
    if (startGold) slot(c.types, gold.type).support += 1;
    if (startPred) slot(c.types, pred.type).predicted += 1;
    if (!isBreak) {
      c.tokens += 1;
      if (gold.tag === pred.tag && gold.type === pred.type) c.correctTags += 1;
    }
    last.gold = gold;
    last.pred = pred;
  };
  const sentenceBreak: ConllevalToken = { token: BOUNDARY, gold: 'O', predicted: 'O' };
  for (const sentence of sentences) {
    for (const t of sentence) step(t);
    step(sentenceBreak);
  }
  if (inCorrect) slot(c.types, last.gold.type).correct += 1;
  return c;
}
