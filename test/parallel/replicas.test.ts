import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { makeBatch, microBatches, type Example } from '../../src/data/batches.js';
import type { BertConfig } from '../../src/spec/bert-config.js';
import { Tagger, type TaggerSpec } from '../../src/model/tagger.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { ReplicaPool, seedsPerLoss, splitShares } from '../../src/parallel/pool.js';
import { accumulatedStep } from '../../src/train/step.js';
import { Rng } from '../../src/util/rng.js';

const BERT: BertConfig = {
  vocabSize: 60,
  hiddenSize: 16,
  numLayers: 2,
  numHeads: 2,
  intermediateSize: 32,
  hiddenAct: 'gelu',
  hiddenDropout: 0,
  attentionDropout: 0,
  maxPositions: 40,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
};
const SPEC: TaggerSpec = { bert: BERT, numLayers: 2, labels: ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'], lstmHidden: 6, crf: true, dropout: 0 };
const PAD = 0;

/** Random sentences of 3–12 one-piece words with random labels. */
function examples(n: number, rng: Rng): Example[] {
  return Array.from({ length: n }, () => {
    const words = 3 + rng.int(10);
    const inputIds = [1, ...Array.from({ length: words }, () => 3 + rng.int(BERT.vocabSize - 3)), 2];
    return { window: { inputIds, wordStarts: Array.from({ length: words }, (_, w) => w + 1), firstWord: 0, ownFrom: 0, ownTo: words }, tags: Array.from({ length: words }, () => rng.int(SPEC.labels.length)) };
  });
}

function optimizer() {
  return createOptimizer('adamw', { learningRate: 1e-3, weightDecay: 0.01, excludeFromWeightDecay: ['LayerNorm', 'bias'], clipNorm: 1, groups: [{ match: '/(lstm|classifier|crf)\\.', learningRate: 1e-2 }] });
}

describe('data-parallel replicas (src/parallel)', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  after(() => tf.disposeVariables());

  test('splitShares cuts contiguous shares whose sizes differ by at most one, in order', () => {
    assert.deepEqual(splitShares([1, 2, 3, 4, 5], 2), [[1, 2, 3], [4, 5]]);
    assert.deepEqual(splitShares([1], 3), [[1], [], []]);
    assert.deepEqual(splitShares([1, 2, 3, 4, 5, 6, 7], 3).flat(), [1, 2, 3, 4, 5, 6, 7]);
  });

  test('2 replicas train as 1 does: every weight within 1e-5 relative after 5 steps (same seed, no dropout)', async () => {
    const data = examples(5 * 12, new Rng(4));
    const one = Tagger.create(SPEC, { encoder: new Map() }, new Rng(1));
    const two = Tagger.create(SPEC, { encoder: new Map() }, new Rng(1));
    const opt1 = optimizer();
    const opt2 = optimizer();
    const pool = await ReplicaPool.start(two, 2, { backend: 'wasm', padId: PAD });
    try {
      const seeds = () => 7;
      const k = seedsPerLoss(two);
      const counts: number[][] = [];
      for (let s = 0; s < 5; s++) {
        const chosen = data.slice(12 * s, 12 * s + 12);
        // Micro-batches of 64 pieces: the single replica splits the batch too, but not where the pool does.
        const l1 = accumulatedStep(one, opt1, one.params.trainable(), microBatches(chosen, 64), PAD, seeds);
        const l2 = await pool.step(chosen, { optimizer: opt2, trainable: two.params.trainable(), maxBatchPieces: 64, padId: PAD, seeds, seedsPerPart: k });
        assert.ok(Math.abs(l1 - l2) <= 1e-5 * Math.abs(l1), `step ${s + 1}: loss ${l1} vs ${l2}`);
        counts.push([tf.memory().numTensors, ...(await pool.tensorCounts())]);
      }
      assert.ok(counts.every((c) => c.join() === counts[0]!.join()), `live tensors per thread stay flat across steps: ${JSON.stringify(counts)}`);
      for (const name of one.params.names()) {
        const a = one.params.get(name).dataSync();
        const b = two.params.get(name).dataSync();
        let diff = 0;
        let norm = 0;
        for (let i = 0; i < a.length; i++) {
          diff += (a[i]! - b[i]!) ** 2;
          norm += a[i]! ** 2;
        }
        // Attention key biases get a gradient that is zero in exact arithmetic (softmax is
        // shift-invariant), so they hold rounding noise only: compared in absolute terms.
        if (/attention\.self\.key\.bias/.test(name)) assert.ok(Math.sqrt(diff) < 1e-6, `${name}: |Δ| ${Math.sqrt(diff)}`);
        else assert.ok(Math.sqrt(diff) <= 1e-5 * Math.sqrt(norm), `${name}: relative ${Math.sqrt(diff / norm)}`);
      }
    } finally {
      await pool.close();
      one.dispose();
      two.dispose();
      opt1.dispose();
      opt2.dispose();
    }
  });

  test('decoding over replicas gives exactly the labels and scores of one thread, in input order', async () => {
    const tagger = Tagger.create(SPEC, { encoder: new Map() }, new Rng(3));
    const pool = await ReplicaPool.start(tagger, 3, { backend: 'wasm', padId: PAD });
    try {
      const batches = [0, 1, 2, 3, 4].map((i) => makeBatch(examples(4, new Rng(10 + i)), PAD));
      const local = batches.map((b) => tagger.decode(b));
      assert.deepEqual(await pool.decode(batches), local);
    } finally {
      await pool.close();
      tagger.dispose();
    }
  });

  test('a replica thread that dies mid-step fails the step with a message naming it', async () => {
    process.env.NER_REPLICA_EXIT_AT = '2';
    const tagger = Tagger.create(SPEC, { encoder: new Map() }, new Rng(1));
    const opt = optimizer();
    let pool: ReplicaPool | undefined;
    try {
      pool = await ReplicaPool.start(tagger, 2, { backend: 'wasm', padId: PAD });
      const o = { optimizer: opt, trainable: tagger.params.trainable(), maxBatchPieces: 1000, padId: PAD, seeds: () => 1, seedsPerPart: seedsPerLoss(tagger) };
      const data = examples(8, new Rng(5));
      await pool.step(data, o);
      await assert.rejects(pool.step(data, o), /replica thread 1 stopped \(exit code 70\)/);
      await assert.rejects(pool.step(data, o), /replica thread 1 stopped/, 'and stays failed');
    } finally {
      delete process.env.NER_REPLICA_EXIT_AT;
      await pool?.close();
      tagger.dispose();
      opt.dispose();
    }
  });
});
