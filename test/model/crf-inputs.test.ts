import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { CRF, marginals, viterbi } from '../../src/model/crf.js';
import { CrfInputError } from '../../src/model/crf-inputs.js';
import { Params } from '../../src/model/params.js';
import { Rng } from '../../src/util/rng.js';

await selectBackend('cpu');

describe('CRF input validation (before the math)', () => {
  const K = 3;
  const T = 3;
  const params = new Params();
  const crf = CRF.create(params, K, new Rng(7));
  const rng = new Rng(8);
  const em = Array.from({ length: T }, () => Array.from({ length: K }, () => 4 * rng.next() - 2));
  after(() => params.dispose());

  const llh = (tags: number[], length = T) => tf.tidy(() => crf.logLikelihood(tf.tensor3d([em]), [tags], [length]).dataSync()[0]!);
  const isInputError = (pattern: RegExp) => (err: unknown) => err instanceof CrfInputError && pattern.test(err.message);

  test('brute force over every tag sequence with indices -1..K: out-of-range indices are refused, the rest score exactly log p(y)', () => {
    const p = crf.hostParams();
    const score = (y: number[]) => p.start[y[0]!]! + p.end[y[T - 1]!]! + y.reduce((s, k, t) => s + em[t]![k]! + (t > 0 ? p.transitions[y[t - 1]!]![k]! : 0), 0);
    const all = (range: number[]): number[][] => {
      const out: number[][] = [];
      const walk = (prefix: number[]) => (prefix.length === T ? out.push(prefix) : range.forEach((k) => walk([...prefix, k])));
      walk([]);
      return out;
    };
    const valid = all([0, 1, 2]);
    const logZ = Math.log(valid.reduce((s, y) => s + Math.exp(score(y)), 0));
    const before = tf.memory().numTensors;
    let refused = 0;
    for (const y of all([-1, 0, 1, 2, 3])) {
      if (y.every((k) => k >= 0 && k < K)) {
        assert.ok(Math.abs(llh(y) - (score(y) - logZ)) < 1e-5, `tags ${y}`);
      } else {
        assert.throws(() => llh(y), isInputError(/is not a tag index \(0 to 2\)/), `tags ${y}`);
        refused += 1;
      }
    }
    assert.equal(refused, 5 ** T - 3 ** T);
    assert.equal(tf.memory().numTensors, before, 'a refused input leaves no tensor behind');
    // Tags past a sequence's length are padding and never read.
    assert.ok(Number.isFinite(llh([0, 1, 99], 2)));
  });

  test('shapes and lengths: wrong tag count, lengths outside 0..steps, too few tags, batch mismatches', () => {
    const e = tf.tensor3d([em]);
    try {
      assert.throws(() => crf.logLikelihood(tf.tensor3d([em.map((r) => [...r, 0])]), [[0, 0, 0]], [3]), isInputError(/4 scores per step but the CRF has 3 tags/));
      assert.throws(() => crf.logLikelihood(e, [[0, 0, 0]], [4]), isInputError(/lengths\[0\] = 4 is not a whole number from 0 to 3/));
      assert.throws(() => crf.logLikelihood(e, [[0, 0, 0]], [1.5]), isInputError(/lengths\[0\] = 1.5/));
      assert.throws(() => crf.logLikelihood(e, [[0, 0]], [3]), isInputError(/tags\[0\] has 2 tags for a sequence of length 3/));
      assert.throws(() => crf.logLikelihood(e, [[0, 0, 0]], [3, 3]), isInputError(/2 lengths for a batch of 1/));
      assert.throws(() => crf.logPartition(e, []), isInputError(/0 lengths for a batch of 1/));
      assert.throws(() => crf.goldScore(e, [[0, 5, 0]], [3]), isInputError(/tags\[0\]\[1\] = 5/));
    } finally {
      e.dispose();
    }
  });

  test('decoding: emission rows of the wrong width and masks of the wrong size or with no start are refused', () => {
    const p = crf.hostParams();
    assert.throws(() => viterbi([[0, 1]], p), isInputError(/emissions\[0\] has 2 scores but the CRF has 3 tags/));
    assert.throws(() => marginals([[0, 1, 2, 3]], p), isInputError(/has 4 scores/));
    const open = { start: [true, true, true], end: [true, true, true], allowed: [[true, true, true], [true, true, true], [true, true, true]] };
    assert.deepEqual(viterbi(em, p, open).path, viterbi(em, p).path, 'an all-allowed mask changes nothing');
    assert.throws(() => viterbi(em, p, { ...open, allowed: [[true, true], [true, true]] }), isInputError(/transition mask is not for 3 tags/));
    assert.throws(() => viterbi(em, p, { ...open, start: [false, false, false] }), isInputError(/allows no tag to start/));
  });
});
