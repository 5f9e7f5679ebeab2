import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import type { TrainConfig } from '../../src/config/schema.js';
import { UsageError } from '../../src/errors.js';
import { Tagger, type TaggerSpec } from '../../src/model/tagger.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { pitfallSlowWeights } from '../../src/train/start-weights.js';
import { Rng } from '../../src/util/rng.js';

const SPEC: TaggerSpec = {
  bert: { vocabSize: 40, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, hiddenAct: 'gelu', hiddenDropout: 0.1, attentionDropout: 0.1, maxPositions: 16, typeVocabSize: 2, layerNormEps: 1e-12 },
  numLayers: 2,
  labels: ['O', 'B-PER', 'I-PER'],
  lstmHidden: 4,
  crf: true,
  dropout: 0,
};

/** The slow weights a Lookahead holds after `pitfallSlowWeights`, by local name, and the model's weights. */
function slowAfter(mode: TrainConfig['lookaheadSlowWeights']) {
  const tagger = Tagger.create(SPEC, { encoder: new Map() }, new Rng(1));
  const optimizer = createOptimizer('lookahead-adamw', { learningRate: 1e-3 });
  try {
    pitfallSlowWeights(tagger, optimizer, { seed: 1, optimizer: 'lookahead-adamw', lookaheadSlowWeights: mode } as TrainConfig);
    const slow = new Map<string, Float32Array>();
    for (const [key, t] of Object.entries(optimizer.exportState().tensors)) {
      if (key.endsWith('::slow')) slow.set(tagger.params.localName(key.slice(0, -'::slow'.length)), t.values);
    }
    return { slow, weights: tagger.params.toHost() };
  } finally {
    optimizer.dispose();
    tagger.dispose();
  }
}

const std = (xs: Float32Array[]) => {
  const all = xs.flatMap((x) => [...x]);
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  return Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length);
};

describe('Lookahead slow weights for the before-load pitfall', () => {
  test('cpu backend', async () => assert.equal((await selectBackend('cpu')).name, 'cpu'));

  test("'init' replaces the encoder's slow weights by its random initialisation and leaves the head's to the start", () => {
    const { slow, weights } = slowAfter('init');
    const encoder = [...weights.keys()].filter((n) => n.startsWith('bert.'));
    assert.deepEqual([...slow.keys()].sort(), encoder.sort());
    const ln = [...slow].find(([n]) => /LayerNorm\.(weight|gamma)$/.test(n));
    assert.ok(ln && ln[1].every((v) => v === 1), 'a LayerNorm scale starts at 1, as at initialisation');
    const matrix = slow.get('bert.embeddings.word_embeddings.weight')!;
    assert.notDeepEqual(matrix, weights.get('bert.embeddings.word_embeddings.weight')!.values);
  });

  test("'random-matrices' draws every matrix, encoder and head, from N(0, 0.02) and leaves every vector to the start", () => {
    const { slow, weights } = slowAfter('random-matrices');
    const matrices = [...weights].filter(([, t]) => t.shape.length > 1).map(([n]) => n);
    assert.ok(matrices.some((n) => n.startsWith('lstm.')) && matrices.some((n) => n.startsWith('crf.')), 'the head has matrices');
    assert.deepEqual([...slow.keys()].sort(), matrices.sort());
    for (const n of matrices) assert.notDeepEqual(slow.get(n), weights.get(n)!.values, n);
    const s = std([...slow.values()]);
    assert.ok(Math.abs(s - 0.02) < 0.002, `std ${s}`);
  });

  test('the same seed gives the same slow weights, and no tensor is left behind', () => {
    const before = tf.memory().numTensors;
    const a = slowAfter('random-matrices').slow;
    const b = slowAfter('random-matrices').slow;
    assert.deepEqual([...a], [...b]);
    assert.equal(tf.memory().numTensors, before);
  });

  test('an optimizer without Lookahead is refused with the setting named', () => {
    const tagger = Tagger.create(SPEC, { encoder: new Map() }, new Rng(1));
    const optimizer = createOptimizer('adamw');
    try {
      assert.throws(
        () => pitfallSlowWeights(tagger, optimizer, { seed: 1, optimizer: 'adamw', lookaheadSlowWeights: 'random-matrices' } as TrainConfig),
        (e: unknown) => e instanceof UsageError && /lookaheadSlowWeights 'random-matrices' needs a Lookahead optimizer/.test(e.message),
      );
    } finally {
      optimizer.dispose();
      tagger.dispose();
    }
  });
});
