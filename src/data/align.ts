/**
 * Words ↔ word pieces. Each word's label sits on its first piece; the other pieces, [CLS] and
 * [SEP] carry none (the CRF runs over words). A sentence longer than `maxLen` pieces is cut into
 * overlapping windows; every word is owned by exactly one window, so stitching the windows'
 * predictions labels every word once.
 */
export interface Window {
  /** [CLS] pieces… [SEP]. */
  inputIds: number[];
  /** Index in inputIds of the first piece of each word of the window. */
  wordStarts: number[];
  /** Sentence index of the window's first word. */
  firstWord: number;
  /** Sentence word range [ownFrom, ownTo) whose predictions come from this window. */
  ownFrom: number;
  ownTo: number;
}

export interface WindowOptions {
  /** Pieces per window including [CLS] and [SEP]. */
  maxLen: number;
  clsId: number;
  sepId: number;
  /** Pieces of context shared by consecutive windows (default: a quarter of the window). */
  overlap?: number;
}

export function windows(wordPieces: readonly (readonly number[])[], o: WindowOptions): Window[] {
  const budget = o.maxLen - 2;
  if (budget < 1) throw new Error(`maxLen ${o.maxLen} leaves no room between [CLS] and [SEP]`);
  const overlap = Math.min(o.overlap ?? Math.floor(budget / 4), budget - 1);
  // A word longer than a whole window keeps its first `budget` pieces (its label needs only the first).
  const pieces = wordPieces.map((p) => (p.length > budget ? p.slice(0, budget) : p));
  const n = pieces.length;
  const spans: [number, number][] = [];
  let start = 0;
  while (start < n) {
    let end = start;
    let used = 0;
    while (end < n && used + pieces[end]!.length <= budget) used += pieces[end++]!.length;
    spans.push([start, end]);
    if (end >= n) break;
    // Step back while the shared tail stays within `overlap` pieces, but always move forward.
    let next = end;
    let shared = 0;
    while (next - 1 > start && shared + pieces[next - 1]!.length <= overlap) shared += pieces[--next]!.length;
    start = next;
  }
  // Each word belongs to the window where it has the most context on its worse side (ties: the
  // earlier window). Along the sentence the later window wins from some point on, so ownership is
  // contiguous; a window left owning nothing is dropped.
  const owner = new Int32Array(n);
  let first = 0;
  for (let w = 0; w < n; w++) {
    while (spans[first]![1] <= w) first++;
    let best = first;
    let bestMargin = -1;
    for (let k = first; k < spans.length && spans[k]![0] <= w; k++) {
      const [from, to] = spans[k]!;
      const margin = Math.min(w - from, to - 1 - w);
      if (margin > bestMargin) (bestMargin = margin), (best = k);
    }
    owner[w] = best;
  }
  const out: Window[] = [];
  spans.forEach(([from, to], k) => {
    const owned = [];
    for (let w = from; w < to; w++) if (owner[w] === k) owned.push(w);
    if (owned.length === 0) return;
    const inputIds = [o.clsId];
    const wordStarts: number[] = [];
    for (let w = from; w < to; w++) {
      wordStarts.push(inputIds.length);
      inputIds.push(...pieces[w]!);
    }
    inputIds.push(o.sepId);
    out.push({ inputIds, wordStarts, firstWord: from, ownFrom: owned[0]!, ownTo: owned[owned.length - 1]! + 1 });
  });
  return out;
}
