import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConll } from '../../src/data/conll.js';
import { strictEntities } from '../../src/metrics/strict.js';
import { wordLabels } from '../../src/predict/word-labels.js';

/**
 * Parsing must be linear in the input: the time for 20× the input is at most 80× the time
 * (a ratio, so it holds on slow and fast machines alike). A quadratic path gives 400×; the 4×
 * headroom over linear is for a collection pause in the large case on a loaded machine (10× the
 * input once took 43× the time beside a training run). Each timing is the best of several runs.
 */
function best(fn: () => void, runs = 7): number {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

function assertLinear(what: string, make: (n: number) => () => void): void {
  const small = make(8_000);
  const large = make(160_000);
  small(); // warm up the JIT on the same path
  // Repeat the small case so its timing is well above the timer's resolution.
  const tSmall = best(() => {
    for (let i = 0; i < 20; i++) small();
  }) / 20;
  const tLarge = best(large, 9);
  assert.ok(tLarge <= 80 * tSmall, `${what}: 160,000 took ${tLarge.toFixed(2)} ms, 8,000 took ${tSmall.toFixed(3)} ms (ratio ${(tLarge / tSmall).toFixed(1)})`);
}

test('CoNLL reader: a line of N blanks + token + N blanks + label + N blanks parses in linear time', () => {
  assertLinear('trimColumns', (n) => {
    const b = ' \t'.repeat(n / 2);
    const text = `${b}x${b}B-PER${b}\n`;
    return () => {
      const [s] = parseConll(text, 'blanks.txt', 'labelled');
      assert.deepEqual(s!.tokens, ['x']);
    };
  });
});

test('CoNLL reader: a whitespace-only line of N blanks ends a sentence in linear time', () => {
  assertLinear('blank line', (n) => {
    const text = `a O\n${' '.repeat(n)}\nb O\n`;
    return () => assert.equal(parseConll(text, 'blank.txt', 'labelled').length, 2);
  });
});

test('strict mode: a label with N dashes inside and around its type is read in linear time', () => {
  assertLinear('strict label', (n) => {
    const type = `P${'-'.repeat(n)}R`;
    const label = `B${'-'.repeat(n)}${type}${'-'.repeat(n)}`;
    return () => assert.deepEqual(strictEntities([label], 'IOB2'), [{ type, start: 0, end: 1 }]);
  });
});

test('--format conll labels: N words with an entity every other word take linear time', () => {
  assertLinear('word labels', (n) => {
    const words = Array.from({ length: n }, (_, i) => ({ text: 'w', start: 2 * i, end: 2 * i + 1 }));
    const entities = words.filter((_, i) => i % 2 === 0).map((w) => ({ type: 'X', start: w.start, end: w.end }));
    return () => {
      const labels = wordLabels(words, entities);
      assert.equal(labels[0], 'B-X');
      assert.equal(labels[1], 'O');
    };
  });
});
