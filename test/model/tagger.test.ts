import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import type { BertConfig } from '../../src/spec/bert-config.js';
import { BiLSTM } from '../../src/model/bilstm.js';
import { Params } from '../../src/model/params.js';
import { Tagger, type TaggerSpec } from '../../src/model/tagger.js';
import { type TaggerBatch } from '../../src/data/batches.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { Rng } from '../../src/util/rng.js';

const TINY_BERT: BertConfig = {
  vocabSize: 30,
  hiddenSize: 8,
  numLayers: 2,
  numHeads: 2,
  intermediateSize: 16,
  hiddenAct: 'gelu',
  hiddenDropout: 0.1,
  attentionDropout: 0.1,
  maxPositions: 16,
  typeVocabSize: 2,
  layerNormEps: 1e-12,
};
const SPEC: TaggerSpec = { bert: TINY_BERT, numLayers: 2, labels: ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'], lstmHidden: 3, crf: true, dropout: 0.1 };

/** Two right-padded sentences: 4 words (one of two pieces) and 2 words. */
const BATCH: TaggerBatch = {
  inputIds: [
    [2, 7, 8, 9, 10, 11, 3],
    [2, 12, 13, 3, 0, 0, 0],
  ],
  attentionMask: [
    [1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 0, 0, 0],
  ],
  wordStarts: [[1, 2, 4, 5], [1, 2]],
  lengths: [4, 2],
  tags: [
    [1, 2, 0, 3],
    [3, 4],
  ],
};

describe('tagger', () => {
  test('cpu backend', async () => assert.equal((await selectBackend('cpu')).name, 'cpu'));

  test('BiLSTM is exact on right-padded batches in both directions', () => {
    const params = new Params();
    const lstm = BiLSTM.create(params, 4, 3, new Rng(2));
    const x = tf.randomNormal([2, 6, 4], 0, 1, 'float32', 7) as tf.Tensor3D;
    const batched = tf.tidy(() => lstm.forward(x, [3, 6]).arraySync());
    const alone = tf.tidy(() => lstm.forward(tf.slice(x, [0, 0, 0], [1, 3, 4]) as tf.Tensor3D, [3]).arraySync());
    for (let t = 0; t < 3; t++) {
      for (let k = 0; k < 6; k++) assert.ok(Math.abs(batched[0]![t]![k]! - alone[0]![t]![k]!) < 1e-6, `step ${t} unit ${k} (${k < 3 ? 'forward' : 'backward'})`);
    }
    x.dispose();
    params.dispose();
  });

  test('the whole tagger’s gradient matches central finite differences (tiny config, CRF and BiLSTM)', () => {
    // The gradient code does not depend on the initialisation; BERT's small classifier keeps the
    // float32 loss near-quadratic over ±eps, so the finite differences themselves stay accurate.
    const tagger = Tagger.create(SPEC, { encoder: new Map() }, new Rng(3), 'bert');
    const loss = () => tagger.loss(BATCH, null);
    const vars = tagger.params.trainable();
    const { grads } = tf.variableGrads(loss, vars);
    const rng = new Rng(4);
    let checked = 0;
    for (const v of vars) {
      const g = grads[v.name]?.dataSync();
      const values = v.dataSync().slice();
      for (let n = 0; n < 2; n++) {
        const i = rng.int(values.length);
        const at = (delta: number) => {
          const copy = values.slice();
          copy[i]! += delta;
          v.assign(tf.tensor(copy, v.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const eps = 1e-2;
        const fd = (at(eps) - at(-eps)) / (2 * eps);
        v.assign(tf.tensor(values, v.shape));
        const analytic = g ? g[i]! : 0;
        assert.ok(Math.abs(fd - analytic) <= 2e-3 + 2e-2 * Math.abs(fd), `${tagger.params.localName(v.name)}[${i}]: finite difference ${fd} vs gradient ${analytic}`);
        checked++;
      }
    }
    tf.dispose(Object.values(grads));
    assert.ok(checked >= 2 * 20);
    tagger.dispose();
  });

  test('softmax head (--no-crf) and no BiLSTM: loss and decoding work, confidences are probabilities', () => {
    const tagger = Tagger.create({ ...SPEC, crf: false, lstmHidden: 0 }, { encoder: new Map() }, new Rng(3));
    const l = tf.tidy(() => tagger.loss(BATCH, null).dataSync()[0]!);
    assert.ok(l > 0 && Number.isFinite(l));
    const d = tagger.decode(BATCH);
    assert.deepEqual(d.labels.map((r) => r.length), [4, 2]);
    for (const row of d.scores) for (const s of row) assert.ok(s > 0 && s <= 1);
    tagger.dispose();
  });

  test('on wasm, a training step moves the embedding rows of the batch’s tokens and no others; no tensor leaks', async () => {
    assert.equal((await selectBackend('wasm')).name, 'wasm');
    const tagger = Tagger.create(SPEC, { encoder: new Map() }, new Rng(5));
    const emb = tagger.params.get('bert.embeddings.word_embeddings.weight');
    const before = emb.arraySync() as number[][];
    const opt = createOptimizer('adam', { learningRate: 1e-2 });
    const seeds = new Rng(6);
    const step = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => tagger.loss(BATCH, () => seeds.int(2 ** 31)), tagger.params.trainable());
        opt.applyGradients(grads);
      });
    step();
    const after = emb.arraySync() as number[][];
    // Attended tokens only: [PAD] keys are masked and feed no word, so their gradient is exactly 0.
    const inBatch = new Set(BATCH.inputIds.flatMap((row, b) => row.filter((_, j) => BATCH.attentionMask[b]![j] === 1)));
    before.forEach((row, id) => {
      const moved = row.some((x, k) => x !== after[id]![k]);
      assert.equal(moved, inBatch.has(id), `row ${id} ${inBatch.has(id) ? 'should' : 'should not'} move`);
    });
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    assert.equal(tf.memory().numTensors, tensors, 'repeated forward/backward steps leak no tensor');
    opt.dispose();
    tagger.dispose();
    await selectBackend('cpu');
  });

  test("headInit 'torch' starts the head as nn.Linear and nn.LSTM do: U(±1/√fan_in) classifier with a bias, LSTM bias a sum of two draws", () => {
    const spec: TaggerSpec = { ...SPEC, lstmHidden: 64 };
    const stats = (headInit: 'bert' | 'torch') => {
      const tagger = Tagger.create(spec, { encoder: new Map() }, new Rng(11), headInit);
      const v = (n: string) => Array.from(tagger.params.get(n).dataSync());
      const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
      const w = v('classifier.weight');
      const out = { wMax: Math.max(...w.map(Math.abs)), wSd: sd(w), b: v('classifier.bias'), lstmBiasSd: sd(v('lstm.forward.bias')), lstmBiasMax: Math.max(...v('lstm.forward.bias').map(Math.abs)) };
      tagger.dispose();
      return out;
    };
    const bert = stats('bert');
    const torch = stats('torch');
    const bound = 1 / Math.sqrt(2 * 64); // fan_in of the classifier: forward ‖ backward
    const k = 1 / Math.sqrt(64);
    assert.ok(torch.wMax <= bound && torch.wMax > 0.9 * bound, `classifier weights fill U(±${bound}): max ${torch.wMax}`);
    assert.ok(Math.abs(torch.wSd - bound / Math.sqrt(3)) < 0.15 * bound, `uniform's sd bound/√3: ${torch.wSd}`);
    assert.ok(torch.b.every((x) => Math.abs(x) <= bound) && torch.b.some((x) => x !== 0), 'classifier bias drawn from the same uniform');
    // b_ih + b_hh: sd k·√(2/3) instead of one draw's k/√3, and values beyond one draw's bound occur.
    assert.ok(Math.abs(torch.lstmBiasSd - k * Math.sqrt(2 / 3)) < 0.15 * k, `LSTM bias sd ${torch.lstmBiasSd}`);
    assert.ok(torch.lstmBiasMax > k && torch.lstmBiasMax <= 2 * k, `LSTM bias spans ±2/√H: max ${torch.lstmBiasMax}`);
    assert.ok(Math.abs(bert.wSd - 0.02) < 0.003 && bert.b.every((x) => x === 0), "'bert' keeps N(0, 0.02) and a zero bias");
    assert.ok(bert.lstmBiasMax <= k, "'bert' draws one LSTM bias U(±1/√H)");
  });
});
