/**
 * Raw text → words with character offsets, the way BERT's basic tokenizer splits (whitespace,
 * then punctuation and CJK ideographs as words of their own), so Chinese without spaces and
 * English with punctuation attached need no pre-tokenisation. Offsets are JavaScript string
 * indices: text.slice(start, end) === word.
 */
export interface Word {
  text: string;
  start: number;
  end: number;
}

/** BERT's _is_chinese_char ranges (CJK Unified Ideographs and extensions, compatibility). */
function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** BERT's _is_punctuation: ASCII non-alphanumerics plus Unicode P* categories. */
function isPunctuation(ch: string, cp: number): boolean {
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

const SPACE = /[\s\u200B\uFEFF]/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Words of a text. The unit is the grapheme cluster (Intl.Segmenter), classified by its first code
 * point, so a word boundary, and hence an entity offset, never falls inside one: `👩‍👩‍👧` (joined
 * by U+200D, a format character) and `é` as e + U+0301 stay whole.
 */
export function pretokenize(text: string): Word[] {
  const words: Word[] = [];
  let start = -1;
  const flush = (end: number) => {
    if (start >= 0) words.push({ text: text.slice(start, end), start, end });
    start = -1;
  };
  for (const { segment, index: i } of graphemes.segment(text)) {
    const cp = segment.codePointAt(0)!;
    const ch = String.fromCodePoint(cp);
    const next = i + segment.length;
    const alone = ch.length === segment.length;
    if (SPACE.test(ch) || (alone && CONTROL.test(ch) && ch !== '\t')) {
      flush(i);
    } else if (isCjk(cp) || isPunctuation(ch, cp)) {
      flush(i);
      words.push({ text: segment, start: i, end: next });
    } else if (start < 0) {
      start = i;
    }
  }
  flush(text.length);
  return words;
}
