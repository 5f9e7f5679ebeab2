import type { Sentence } from './conll.js';

/**
 * Token transforms for corpora whose first column is not the text itself. Weibo NER writes each
 * character with its position in a segmented word (`我0 们1`): used as is, `我0` becomes the
 * pieces [我, 0], so training sees digits that `predict` on raw text never will.
 */
export const TOKEN_TRANSFORMS = ['none', 'strip-position-digit'] as const;
export type TokenTransform = (typeof TOKEN_TRANSFORMS)[number];

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** One non-digit grapheme followed by ASCII digits. */
const POSITION_DIGIT = /^(\P{Nd}+?)([0-9]+)$/u;

function split(token: string): string | undefined {
  const m = POSITION_DIGIT.exec(token);
  if (!m) return undefined;
  const head = m[1]!;
  return [...graphemes.segment(head)].length === 1 ? head : undefined;
}

export function transformToken(token: string, transform: TokenTransform): string {
  return transform === 'strip-position-digit' ? (split(token) ?? token) : token;
}

export function transformSentences(sentences: Sentence[], transform: TokenTransform): Sentence[] {
  if (transform === 'none') return sentences;
  return sentences.map((s) => ({ ...s, tokens: s.tokens.map((t) => transformToken(t, transform)) }));
}

/** Share of tokens that are one character + digits at which a corpus looks like Weibo's. */
export const POSITION_DIGIT_SHARE = 0.9;

/** A warning when most tokens look like `我0` (undefined otherwise). */
export function positionDigitWarning(file: string, sentences: readonly Sentence[]): string | undefined {
  let tokens = 0;
  let matching = 0;
  const examples: string[] = [];
  for (const s of sentences) {
    for (const t of s.tokens) {
      tokens += 1;
      if (split(t) === undefined) continue;
      matching += 1;
      if (examples.length < 3 && !examples.includes(t)) examples.push(t);
    }
  }
  if (tokens === 0 || matching / tokens < POSITION_DIGIT_SHARE) return undefined;
  return (
    `${file}: ${(100 * (matching / tokens)).toFixed(1)}% of tokens are one character followed by digits (${examples.join(', ')}), ` +
    `like Weibo NER's character + position-in-word: the digits would be read as text. Pass --token-transform strip-position-digit to drop them`
  );
}
