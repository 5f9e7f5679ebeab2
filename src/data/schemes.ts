import { InputError } from '../errors.js';
import { chunks, type Span } from './chunks.js';
import { parseLabel, type ParsedLabel } from './labels.js';

export type { Span };

/**
 * Tagging schemes. IOB1: I- everywhere, B- only to split two adjacent same-type entities.
 * IOB2 (BIO): B- starts every entity. IOE1/IOE2: the mirror images with E- at the end.
 * IOBES (BIOES): B- I- E-, S- for single tokens. BMES: IOBES with M- for inside.
 * BILOU: B- I- L-, U- for single tokens.
 */
export const SCHEMES = ['IOB1', 'IOB2', 'IOE1', 'IOE2', 'IOBES', 'BMES', 'BILOU'] as const;
export type Scheme = (typeof SCHEMES)[number];

const ALIASES: Record<string, Scheme> = {
  IOB1: 'IOB1',
  IOB2: 'IOB2',
  BIO: 'IOB2',
  IOE1: 'IOE1',
  IOE2: 'IOE2',
  IOBES: 'IOBES',
  BIOES: 'IOBES',
  BMES: 'BMES',
  BMEWO: 'BMES',
  BILOU: 'BILOU',
  BIOLU: 'BILOU',
  BIOUL: 'BILOU',
};

/** Accepts the usual spellings (BIO, BIOES, BIOUL, any case); undefined when unknown. */
export function schemeFromName(name: string): Scheme | undefined {
  return ALIASES[name.toUpperCase()];
}

/** The prefixes each scheme may use (besides O). */
export const SCHEME_PREFIXES: Record<Scheme, readonly string[]> = {
  IOB1: ['B', 'I'],
  IOB2: ['B', 'I'],
  IOE1: ['I', 'E'],
  IOE2: ['I', 'E'],
  IOBES: ['B', 'I', 'E', 'S'],
  BMES: ['B', 'M', 'E', 'S'],
  BILOU: ['B', 'I', 'L', 'U'],
};

export class SchemeError extends Error {}

function parsed(label: string): ParsedLabel {
  const p = parseLabel(label);
  if (typeof p === 'string') throw new SchemeError(p);
  return p;
}

/**
 * Detects the scheme of a corpus from its label sequences.
 * Prefix sets decide most cases; B/I/O data is IOB1 when some entity starts with I- and every B-
 * only separates two same-type entities, else IOB2. E/I/O data is IOE1 when some entity ends with
 * I- (IOE2 always ends with E-). Throws SchemeError when prefixes of incompatible schemes mix.
 */
export function detectScheme(sequences: Iterable<readonly string[]>): Scheme {
  const seen = new Set<string>();
  let iStartsEntity = false;
  let bStartsEntity = false;
  let iEndsEntity = false;
  for (const seq of sequences) {
    for (let i = 0; i < seq.length; i++) {
      const cur = parsed(seq[i]!);
      seen.add(cur.prefix);
      if (cur.prefix === 'O') continue;
      const prev = i > 0 ? parsed(seq[i - 1]!) : undefined;
      const next = i + 1 < seq.length ? parsed(seq[i + 1]!) : undefined;
      const continuesPrev = prev !== undefined && prev.prefix !== 'O' && prev.type === cur.type;
      const continuedByNext = next !== undefined && next.prefix !== 'O' && next.type === cur.type;
      if (cur.prefix === 'I' && !continuesPrev) iStartsEntity = true;
      if (cur.prefix === 'B' && !continuesPrev) bStartsEntity = true;
      if (cur.prefix === 'I' && !continuedByNext) iEndsEntity = true;
    }
  }
  seen.delete('O');
  const has = (p: string) => seen.has(p);
  const only = (allowed: string) => [...seen].every((p) => allowed.includes(p));
  const list = [...seen].sort().join(', ');
  if (seen.size === 0) return 'IOB2';
  if (has('M')) {
    if (only('BMES')) return 'BMES';
    throw new SchemeError(`labels mix BMES's M- with prefixes of other schemes (${list})`);
  }
  if (has('L') || has('U')) {
    if (only('BILU')) return 'BILOU';
    throw new SchemeError(`labels mix BILOU's L-/U- with prefixes of other schemes (${list})`);
  }
  if (has('S') || (has('E') && has('B'))) {
    if (only('BIES')) return 'IOBES';
    throw new SchemeError(`labels mix prefixes of different schemes (${list})`);
  }
  if (has('E')) return iEndsEntity ? 'IOE1' : 'IOE2';
  return iStartsEntity && !bStartsEntity ? 'IOB1' : 'IOB2';
}

/** detectScheme over a file's labels; a mix of schemes is an InputError naming the file and what to do. */
export function detectFileScheme(file: string, sequences: Iterable<readonly string[]>, what = 'pass --scheme'): Scheme {
  try {
    return detectScheme(sequences);
  } catch (err) {
    if (err instanceof SchemeError) throw new InputError(file, undefined, `cannot detect the tag scheme: ${err.message}; ${what}`);
    throw err;
  }
}

/** detectScheme, or undefined when the labels mix schemes. */
export function tryDetectScheme(sequences: Iterable<readonly string[]>): Scheme | undefined {
  try {
    return detectScheme(sequences);
  } catch (err) {
    if (err instanceof SchemeError) return undefined;
    throw err;
  }
}

/** Maps a scheme's prefixes onto IOBES letters, so one chunker reads them all. */
const TO_IOBES: Record<string, string> = { B: 'B', I: 'I', E: 'E', S: 'S', M: 'I', L: 'E', U: 'S' };

/**
 * Decodes labels into entity spans, reading each label by its own prefix with conlleval's chunk
 * rules as seqeval extends them (M- reads as I-, L- as E-, U- as S-). Throws SchemeError on a
 * malformed label. For a sequence valid in its scheme this is the exact inverse of `spansToLabels`.
 */
export function labelsToSpans(labels: readonly string[]): Span[] {
  return chunks(
    labels.map((label) => {
      const p = parsed(label);
      return p.prefix === 'O' ? 'O' : `${TO_IOBES[p.prefix]}-${p.type}`;
    }),
  );
}

/** Encodes non-overlapping spans (sorted by start) as `length` labels in `scheme`. */
export function spansToLabels(spans: readonly Span[], length: number, scheme: Scheme): string[] {
  const out = new Array<string>(length).fill('O');
  for (let k = 0; k < spans.length; k++) {
    const { type, start, end } = spans[k]!;
    const prev = spans[k - 1];
    const next = spans[k + 1];
    const touchesPrev = prev !== undefined && prev.end === start && prev.type === type;
    const touchesNext = next !== undefined && next.start === end && next.type === type;
    const single = end - start === 1;
    for (let i = start; i < end; i++) {
      const first = i === start;
      const last = i === end - 1;
      let prefix: string;
      switch (scheme) {
        case 'IOB1':
          prefix = first && touchesPrev ? 'B' : 'I';
          break;
        case 'IOB2':
          prefix = first ? 'B' : 'I';
          break;
        case 'IOE1':
          prefix = last && touchesNext ? 'E' : 'I';
          break;
        case 'IOE2':
          prefix = last ? 'E' : 'I';
          break;
        case 'IOBES':
          prefix = single ? 'S' : first ? 'B' : last ? 'E' : 'I';
          break;
        case 'BMES':
          prefix = single ? 'S' : first ? 'B' : last ? 'E' : 'M';
          break;
        case 'BILOU':
          prefix = single ? 'U' : first ? 'B' : last ? 'L' : 'I';
          break;
      }
      out[i] = `${prefix}-${type}`;
    }
  }
  return out;
}

/** Re-encodes one label sequence in another scheme (lossless for valid input). */
export function convertLabels(labels: readonly string[], to: Scheme): string[] {
  return spansToLabels(labelsToSpans(labels), labels.length, to);
}
