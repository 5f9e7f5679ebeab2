import { entitiesOf, type LabelledText } from '../predict/predictor.js';

/** transformers' TokenClassificationPipeline aggregation strategies. */
export const AGGREGATIONS = ['simple', 'none', 'first', 'average', 'max'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export interface HfParameters {
  aggregation_strategy?: Aggregation;
  ignore_labels?: string[];
  /** Accepted for compatibility and ignored: long texts are windowed and stitched anyway. */
  stride?: number;
}

/** One grouped entity, as the Hugging Face Inference API answers token classification. */
export interface HfEntityGroup {
  entity_group: string;
  score: number;
  word: string;
  start: number;
  end: number;
}

/** One labelled unit with aggregation "none" (transformers: one per sub-token). */
export interface HfToken {
  entity: string;
  score: number;
  index: number;
  word: string;
  start: number;
  end: number;
}

/**
 * JavaScript (UTF-16) offsets → code-point offsets, which is what Python's `str` indices (and so
 * the Hugging Face API) count; identical unless the text has characters beyond the BMP.
 */
function codePointOffsets(text: string): (i: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
  const at = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    at[i] = cp;
    const c = text.charCodeAt(i);
    if (!(c >= 0xd800 && c <= 0xdbff && i + 1 < text.length)) cp++;
  }
  at[text.length] = cp;
  return (i) => at[i]!;
}

/**
 * The Hugging Face answer for one text. `ner`'s taggers label whole words (the CRF runs over words),
 * so "first", "average" and "max" — which in transformers differ only in how sub-token scores merge
 * into a word — give the same groups as "simple"; "none" lists each labelled word with its raw label.
 */
export function hfAnswer(labelled: LabelledText, p: HfParameters): (HfEntityGroup | HfToken)[] {
  const ignore = new Set(p.ignore_labels ?? ['O']);
  const cp = codePointOffsets(labelled.text);
  if ((p.aggregation_strategy ?? 'simple') === 'none') {
    return labelled.words.flatMap((w, k) =>
      ignore.has(w.label) ? [] : [{ entity: w.label, score: w.score, index: k + 1, word: w.text, start: cp(w.start), end: cp(w.end) }],
    );
  }
  return entitiesOf(labelled)
    .filter((e) => !ignore.has(e.type))
    .map((e) => ({ entity_group: e.type, score: e.score, word: e.text, start: cp(e.start), end: cp(e.end) }));
}
