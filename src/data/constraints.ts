import { parseLabel, type ParsedLabel } from './labels.js';
import type { Scheme } from './schemes.js';

/**
 * Which label may follow which in a scheme, for constrained decoding: an I-X after O is
 * impossible in IOB2, an entity must close with E-/L- in IOBES/BILOU, and so on.
 * `null` stands for the sequence start (as `prev`) or end (as `next`).
 */
export function validTransition(prev: ParsedLabel | null, next: ParsedLabel | null, scheme: Scheme): boolean {
  const same = prev !== null && next !== null && prev.type === next.type;
  const p = prev?.prefix ?? 'O';
  const n = next?.prefix ?? 'O';
  switch (scheme) {
    case 'IOB2':
      return n !== 'I' || (same && (p === 'B' || p === 'I'));
    case 'IOB1':
      return n !== 'B' || (same && (p === 'B' || p === 'I'));
    case 'IOE2':
      return p !== 'I' || (same && (n === 'I' || n === 'E'));
    case 'IOE1':
      return p !== 'E' || (same && (n === 'I' || n === 'E'));
    case 'IOBES':
    case 'BMES':
    case 'BILOU': {
      const inside = scheme === 'BMES' ? 'M' : 'I';
      const end = scheme === 'BILOU' ? 'L' : 'E';
      const open = p === 'B' || p === inside; // an entity is open and must continue
      const continues = n === inside || n === end;
      return open ? same && continues : !continues;
    }
  }
}

/** Allowed-transition tables over a label list, for the CRF's decoder. */
export interface TransitionMask {
  start: boolean[];
  end: boolean[];
  /** allowed[from][to] */
  allowed: boolean[][];
}

export function transitionMask(labels: readonly string[], scheme: Scheme): TransitionMask {
  const parsed = labels.map((l) => {
    const p = parseLabel(l);
    if (typeof p === 'string') throw new Error(p);
    return p;
  });
  return {
    start: parsed.map((n) => validTransition(null, n, scheme)),
    end: parsed.map((p) => validTransition(p, null, scheme)),
    allowed: parsed.map((p) => parsed.map((n) => validTransition(p, n, scheme))),
  };
}
