/**
 * Words ↔ word pieces. Each word's label sits on its first piece; the other pieces, [CLS] and
 * [SEP] carry none (the CRF runs over words). A sentence longer than `maxLen` pieces is cut into
 * overlapping windows; every word is owned by exactly one window (the one where it sits furthest
 * from an edge), so stitching the windows' predictions labels every word once.
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
  return spans.map(([from, to], k) => {
    const prev = spans[k - 1];
    const next = spans[k + 1];
    // Overlapping words are split at the middle of the shared stretch.
    const ownFrom = prev ? Math.ceil((from + prev[1]) / 2) : from;
    const ownTo = next ? Math.ceil((next[0] + to) / 2) : to;
    const inputIds = [o.clsId];
    const wordStarts: number[] = [];
    for (let w = from; w < to; w++) {
      wordStarts.push(inputIds.length);
      inputIds.push(...pieces[w]!);
    }
    inputIds.push(o.sepId);
    return { inputIds, wordStarts, firstWord: from, ownFrom, ownTo };
  });
}
