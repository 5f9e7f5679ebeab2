/**
 * Batches of the least total cost for a set of windows, when decoding a batch costs a fixed
 * `overhead` (op dispatch, in word-piece equivalents) plus its padded pieces (windows × the longest).
 * A server's gathered batch holds texts of any length: one padded batch wastes much on the short
 * ones, one batch per text pays the overhead each time; this finds the cut in between.
 *
 * An optimal grouping can always be taken contiguous in length order (swapping a short window of a
 * long batch with a long window of a short batch never raises the cost), so a dynamic programme
 * over the sorted lengths is exact: O(n · maxSize).
 */
export function costBuckets(lengths: readonly number[], maxSize: number, overhead: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
  const n = order.length;
  // best[j]: least cost of the first j windows in order; from[j]: where its last batch starts.
  const best = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(0);
  best[0] = 0;
  for (let j = 1; j <= n; j++) {
    const width = lengths[order[j - 1]!]!;
    for (let i = Math.max(0, j - maxSize); i < j; i++) {
      const cost = best[i]! + overhead + (j - i) * width;
      // Ties keep the larger batch (smaller i comes first): fewer, fuller batches.
      if (cost < best[j]!) {
        best[j] = cost;
        from[j] = i;
      }
    }
  }
  const out: number[][] = [];
  for (let j = n; j > 0; j = from[j]!) out.unshift(order.slice(from[j]!, j));
  return out;
}

/** What `costBuckets` minimises, for a given grouping (the tests compare groupings with it). */
export function bucketsCost(lengths: readonly number[], buckets: readonly (readonly number[])[], overhead: number): number {
  return buckets.reduce((sum, b) => sum + overhead + b.length * Math.max(...b.map((i) => lengths[i]!)), 0);
}
