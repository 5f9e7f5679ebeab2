import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { transitionMask, validTransition } from '../../src/data/constraints.js';
import { parseLabel } from '../../src/data/labels.js';
import { SCHEMES, spansToLabels } from '../../src/data/schemes.js';
import { extractEntities } from '../../src/metrics/entities.js';
import { CRF, marginals, viterbi, type CrfHostParams } from '../../src/model/crf.js';
import { Params } from '../../src/model/params.js';
import { Rng } from '../../src/util/rng.js';
import { readFixture } from '../helpers.js';

interface RandomCase {
  id: string;
  num_tags: number;
  lengths: number[];
  emissions: number[][][];
  tags: number[][];
  transitions: number[][];
  start_transitions: number[];
  end_transitions: number[];
  expected: {
    gold_score: number[];
    log_partition: number[];
    log_likelihood: number[];
    nll_sum: number;
    viterbi_paths: number[][];
    viterbi_scores: number[];
    grad_nll_sum: { emissions: number[][][]; transitions: number[][]; start_transitions: number[]; end_transitions: number[] };
  };
}
interface TfaCase {
  id: string;
  inputs: number[][];
  transition_params: number[][];
  sequence_length: number;
  tag_indices?: number[];
  expected: Record<string, number | number[] | number[][] | boolean>;
}

const fixture = JSON.parse(readFixture('crf.json')) as { tfa: { cases: TfaCase[] }; random: { cases: RandomCase[] } };

const TOL = 1e-5;
function close(actual: ArrayLike<number> | number, expected: unknown, what: string) {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = (Array.isArray(expected) ? (expected as unknown[]).flat(3) : [expected]) as number[];
  assert.equal(a.length, e.length, `${what}: length`);
  a.forEach((x, i) => assert.ok(Math.abs(x - e[i]!) <= TOL * Math.max(1, Math.abs(e[i]!)), `${what}[${i}]: ${x} vs ${e[i]}`));
}

/** A CRF holding the given parameters. */
function crfWith(p: CrfHostParams): { crf: CRF; params: Params } {
  const params = new Params();
  const K = p.start.length;
  params.add('crf.transitions', { shape: [K, K], values: Float32Array.from(p.transitions.flat()) });
  params.add('crf.start_transitions', { shape: [K], values: Float32Array.from(p.start) });
  params.add('crf.end_transitions', { shape: [K], values: Float32Array.from(p.end) });
  return { crf: new CRF(params, K), params };
}

function checkCase(p: CrfHostParams, emissions: number[][][], tags: number[][], lengths: number[], exp: {
  gold?: number[];
  logZ: number[];
  llh?: number[];
  paths?: number[][];
  scores?: number[];
  grads?: { emissions: unknown; transitions: unknown; start?: unknown; end?: unknown };
}, id: string) {
  const { crf, params } = crfWith(p);
  const e = tf.variable(tf.tensor3d(emissions), true);
  tf.tidy(() => {
    close(crf.logPartition(e, lengths).dataSync(), exp.logZ, `${id} log Z`);
    if (exp.gold) close(crf.goldScore(e, tags, lengths).dataSync(), exp.gold, `${id} gold score`);
    if (exp.llh) close(crf.logLikelihood(e, tags, lengths).dataSync(), exp.llh, `${id} log-likelihood`);
    // The tf-op forward algorithm and the host-side one agree.
    if (exp.gold) close(tf.sub(crf.goldScore(e, tags, lengths), crf.logPartition(e, lengths)).dataSync(), exp.llh ?? [], `${id} tf-op log-likelihood`);
  });
  if (exp.paths) {
    emissions.forEach((em, b) => {
      const { path, score } = viterbi(em.slice(0, lengths[b]), p);
      assert.deepEqual(path, exp.paths![b], `${id} viterbi path ${b}`);
      close(score, exp.scores![b], `${id} viterbi score ${b}`);
    });
  }
  if (exp.grads) {
    const vars = [e, crf.transitions, crf.start, crf.end];
    const { grads } = tf.variableGrads(() => tf.neg(tf.sum(crf.logLikelihood(e, tags, lengths))) as tf.Scalar, vars);
    // A variable off every path (transitions of length-1 sequences) has no gradient entry: zero.
    const g = (v: tf.Variable) => grads[v.name]?.dataSync() ?? new Float32Array(v.size);
    close(g(e), exp.grads.emissions, `${id} ∂/∂emissions`);
    close(g(crf.transitions), exp.grads.transitions, `${id} ∂/∂transitions`);
    if (exp.grads.start) close(g(crf.start), exp.grads.start, `${id} ∂/∂start`);
    if (exp.grads.end) close(g(crf.end), exp.grads.end, `${id} ∂/∂end`);
    tf.dispose(Object.values(grads));
  }
  e.dispose();
  params.dispose();
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`CRF reproduces the reference values (test/fixtures/crf.json) to ${TOL} (${backend})`, () => {
    test('backend', async () => assert.equal((await selectBackend(backend)).name, backend));

    for (const c of fixture.random.cases) {
      test(`${c.id}: log-likelihoods, Viterbi paths and scores, gradients (padded steps ignored)`, () => {
        checkCase(
          { transitions: c.transitions, start: c.start_transitions, end: c.end_transitions },
          c.emissions,
          c.tags,
          c.lengths,
          {
            gold: c.expected.gold_score,
            logZ: c.expected.log_partition,
            llh: c.expected.log_likelihood,
            paths: c.expected.viterbi_paths,
            scores: c.expected.viterbi_scores,
            grads: {
              emissions: c.expected.grad_nll_sum.emissions,
              transitions: c.expected.grad_nll_sum.transitions,
              start: c.expected.grad_nll_sum.start_transitions,
              end: c.expected.grad_nll_sum.end_transitions,
            },
          },
          c.id,
        );
      });
    }

    for (const c of fixture.tfa.cases) {
      test(`tensorflow_addons ${c.id} (no start/end transitions)`, () => {
        const K = c.transition_params.length;
        const zeros = new Array<number>(K).fill(0);
        const x = c.expected;
        checkCase(
          { transitions: c.transition_params, start: zeros, end: zeros },
          [c.inputs.length > 0 ? c.inputs : [zeros]],
          [c.tag_indices ?? [0]],
          [c.sequence_length],
          {
            logZ: [x.log_norm as number],
            ...(x.sequence_score !== undefined ? { gold: [x.sequence_score as number], llh: [x.log_likelihood as number] } : {}),
            ...(x.viterbi_sequence ? { paths: [x.viterbi_sequence as number[]], scores: [x.viterbi_score as number] } : {}),
            ...(x.grad_nll_wrt_inputs ? { grads: { emissions: x.grad_nll_wrt_inputs, transitions: x.grad_nll_wrt_transition_params } } : {}),
          },
          c.id,
        );
      });
    }
  });
}

describe('CRF decoding and marginals', () => {
  const rng = new Rng(5);
  const randomParams = (K: number): CrfHostParams => ({
    transitions: Array.from({ length: K }, () => Array.from({ length: K }, () => 2 * rng.next() - 1)),
    start: Array.from({ length: K }, () => 2 * rng.next() - 1),
    end: Array.from({ length: K }, () => 2 * rng.next() - 1),
  });
  const randomEmissions = (T: number, K: number) => Array.from({ length: T }, () => Array.from({ length: K }, () => 4 * rng.next() - 2));

  test('marginals equal brute-force enumeration and sum to 1', () => {
    const K = 3;
    const T = 4;
    const p = randomParams(K);
    const em = randomEmissions(T, K);
    const score = (y: number[]) => p.start[y[0]!]! + p.end[y[T - 1]!]! + y.reduce((s, k, t) => s + em[t]![k]! + (t > 0 ? p.transitions[y[t - 1]!]![k]! : 0), 0);
    const all: number[][] = [];
    const walk = (prefix: number[]) => (prefix.length === T ? all.push(prefix) : [0, 1, 2].forEach((k) => walk([...prefix, k])));
    walk([]);
    const weights = all.map((y) => Math.exp(score(y)));
    const Z = weights.reduce((a, b) => a + b, 0);
    const m = marginals(em, p);
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < K; k++) {
        const brute = all.reduce((s, y, i) => s + (y[t] === k ? weights[i]! : 0), 0) / Z;
        assert.ok(Math.abs(m[t]![k]! - brute) < 1e-12, `t ${t} k ${k}`);
      }
      assert.ok(Math.abs(m[t]!.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    }
  });

  test('constrained decoding never outputs an I-X after O in IOB2, and every scheme decodes only valid sequences', () => {
    const types = ['PER', 'LOC'];
    for (const scheme of SCHEMES) {
      const labels = ['O', ...new Set(types.flatMap((t) => spansToLabels([{ type: t, start: 0, end: 1 }, { type: t, start: 1, end: 4 }], 4, scheme).concat(spansToLabels([{ type: t, start: 1, end: 2 }], 2, scheme))))].filter((l) => l !== 'O' || true);
      const uniq = [...new Set(labels)];
      const mask = transitionMask(uniq, scheme);
      for (let n = 0; n < 300; n++) {
        const em = randomEmissions(1 + rng.int(8), uniq.length);
        const { path } = viterbi(em, randomParams(uniq.length), mask);
        const seq = path.map((k) => uniq[k]!);
        const parsed = seq.map((l) => parseLabel(l) as ReturnType<typeof parseLabel> & object);
        parsed.forEach((p, t) => assert.ok(validTransition(t === 0 ? null : parsed[t - 1]!, p, scheme), `${scheme}: ${seq.join(' ')}`));
        assert.ok(validTransition(parsed[parsed.length - 1]!, null, scheme), `${scheme} end: ${seq.join(' ')}`);
        if (scheme === 'IOB2') {
          seq.forEach((l, t) => assert.ok(!(l.startsWith('I-') && (t === 0 || seq[t - 1] === 'O')), seq.join(' ')));
          // A valid IOB2 sequence has the same entities in strict and default mode.
          assert.deepEqual(extractEntities([seq], 'strict', 'IOB2'), extractEntities([seq], 'default'));
        }
      }
    }
  });

  test('repeated forward/backward passes leave tf.memory().numTensors unchanged', () => {
    const params = new Params();
    const crf = CRF.create(params, 5, new Rng(1));
    const e = tf.variable(tf.randomNormal([2, 6, 5]), true);
    const step = () => tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crf.loss(e as tf.Tensor3D, [[0, 1, 2, 3, 4, 0], [1, 1, 0, 0, 0, 0]], [6, 2]), [e, crf.transitions]);
      tf.dispose(Object.values(grads));
    });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    assert.equal(tf.memory().numTensors, before);
    e.dispose();
    params.dispose();
  });
});
