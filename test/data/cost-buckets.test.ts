import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketsCost, costBuckets } from '../../src/data/cost-buckets.js';
import { Rng } from '../../src/util/rng.js';

/** Every way to split items 0..n−1 into groups of at most `maxSize` (set partitions). */
function* partitions(n: number, maxSize: number, from = 0, groups: number[][] = []): Generator<number[][]> {
  if (from === n) return yield groups.map((g) => [...g]);
  for (const g of groups) {
    if (g.length >= maxSize) continue;
    g.push(from);
    yield* partitions(n, maxSize, from + 1, groups);
    g.pop();
  }
  groups.push([from]);
  yield* partitions(n, maxSize, from + 1, groups);
  groups.pop();
}

describe('costBuckets: batches of the least decoding cost', () => {
  test('matches brute force over every partition (not only contiguous ones) on small random cases', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 60; trial++) {
      const n = 1 + (trial % 7);
      const lengths = Array.from({ length: n }, () => 3 + Math.floor(rng.next() * 60));
      const maxSize = 1 + (trial % 4);
      const overhead = [0, 5, 20, 80][trial % 4]!;
      let least = Infinity;
      for (const p of partitions(n, maxSize)) least = Math.min(least, bucketsCost(lengths, p, overhead));
      const got = costBuckets(lengths, maxSize, overhead);
      assert.equal(bucketsCost(lengths, got, overhead), least, JSON.stringify({ lengths, maxSize, overhead, got }));
      assert.deepEqual(got.flat().sort((a, b) => a - b), lengths.map((_, i) => i), 'every window exactly once');
      assert.ok(got.every((b) => b.length >= 1 && b.length <= maxSize));
    }
  });

  test('no overhead: one batch per distinct length; a large overhead: full batches in length order', () => {
    const lengths = [10, 40, 10, 40, 25];
    assert.deepEqual(costBuckets(lengths, 8, 0), [[0, 2], [4], [1, 3]]);
    assert.deepEqual(costBuckets(lengths, 2, 1e9), [[0, 2], [4], [1, 3]], 'as few batches as the size allows, the least padding among those');
    assert.deepEqual(costBuckets(lengths, 8, 1e9), [[0, 2, 4, 1, 3]]);
    assert.deepEqual(costBuckets([], 8, 10), []);
  });
});
