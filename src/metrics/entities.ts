import { chunks, type Span } from '../data/chunks.js';
import type { Scheme } from '../data/schemes.js';
import { StrictSchemeError, strictEntities } from './strict.js';

export type Mode = 'default' | 'strict';
export const MODES: readonly Mode[] = ['default', 'strict'];

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
