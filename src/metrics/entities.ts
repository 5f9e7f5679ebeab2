import { chunks, type Span } from '../data/chunks.js';
import type { Scheme } from '../data/schemes.js';
import { StrictSchemeError, strictEntities } from './strict.js';

/** `default`: seqeval's default (conlleval's chunk rules); `strict`: seqeval's strict; `conlleval`: conlleval.pl's own counts. */
export type Mode = 'default' | 'strict' | 'conlleval';
export const MODES: readonly Mode[] = ['default', 'strict', 'conlleval'];

/** An entity of a corpus: sentence index plus token span [start, end). */
export interface Entity extends Span {
  sentence: number;
}

/**
 * Entities of every sentence, as seqeval extracts them: `default` mode = conlleval's chunk rules
 * (any label is read, an I- after O starts an entity); `strict` mode = the scheme's patterns only.
 */
export function extractEntities(sentences: readonly (readonly string[])[], mode: Mode, scheme?: Scheme): Entity[] {
  if (mode === 'strict' && !scheme) throw new Error('strict mode needs a scheme');
  if (mode === 'conlleval') throw new Error('conlleval mode counts chunks as it reads them; use evaluateLabels');
  const out: Entity[] = [];
  sentences.forEach((labels, sentence) => {
    let spans: Span[];
    try {
      spans = mode === 'strict' ? strictEntities(labels, scheme!) : chunks(labels);
    } catch (err) {
      if (err instanceof StrictSchemeError) err.sentence = sentence;
      throw err;
    }
    for (const s of spans) out.push({ sentence, ...s });
  });
  return out;
}

/**
 * Entities that default mode reads but strict mode does not count: their labels do not follow the
 * scheme's patterns (`I-X` after `O` in IOB2, `B-X I-X O` in IOBES). Gold entities like that mean
 * the scheme does not fit the data; predicted ones are what strict mode drops.
 */
export function unreadByStrict(sentences: readonly (readonly string[])[], scheme: Scheme): Entity[] {
  const key = (e: Entity) => `${e.sentence}:${e.start}:${e.end}:${e.type}`;
  const strict = new Set(extractEntities(sentences, 'strict', scheme).map(key));
  return extractEntities(sentences, 'default').filter((e) => !strict.has(key(e)));
}
