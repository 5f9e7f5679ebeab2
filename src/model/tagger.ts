import * as tf from '@tensorflow/tfjs';
import type { TransitionMask } from '../data/constraints.js';
import type { TaggerBatch } from '../data/batches.js';
import type { Rng } from '../util/rng.js';
import type { WeightMap } from '../spec/host-tensor.js';
import { BertEncoder, dropout, type DropoutSeeds } from './bert.js';
import type { BertConfig } from '../spec/bert-config.js';
import { BiLSTM } from './bilstm.js';
import { CRF, marginals, viterbi, type CrfHostParams } from './crf.js';
import { dense } from './ops.js';
import { init, Params, type HeadInit } from './params.js';

/** The shape of a tagger: everything needed to rebuild it from saved weights. */
export interface TaggerSpec {
  bert: BertConfig;
  numLayers: number;
  labels: string[];
  /** BiLSTM units per direction; 0 = no BiLSTM. */
  lstmHidden: number;
  /** CRF head (true) or per-word softmax (false). */
  crf: boolean;
  /** Dropout on the encoder output and before the classifier. */
  dropout: number;
}

export interface Decoded {
  /** Label index per word. */
  labels: number[][];
  /** Confidence per word: the CRF marginal (or softmax probability) of the chosen label. */
  scores: number[][];
}

/** BERT → first pieces → dropout → BiLSTM → dropout → linear → CRF (or softmax). */
export class Tagger {
  private constructor(
    readonly spec: TaggerSpec,
    readonly params: Params,
    readonly bert: BertEncoder,
    readonly lstm: BiLSTM | undefined,
    readonly crf: CRF | undefined,
  ) {}

  get numTags(): number {
    return this.spec.labels.length;
  }

  /**
   * Builds a tagger: encoder weights from `encoder` (internal naming) where present, head weights
   * from `heads` (local names: lstm.*, classifier.*, crf.*) where present and of the right shape,
   * the rest freshly initialised from `rng`.
   */
  static create(spec: TaggerSpec, weights: { encoder: WeightMap; heads?: WeightMap }, rng: Rng, headInit: HeadInit = 'torch'): Tagger {
    const params = new Params();
    try {
      const bert = BertEncoder.create(params, spec.bert, spec.numLayers, weights.encoder, rng);
      const K = spec.labels.length;
      const lstm = spec.lstmHidden > 0 ? BiLSTM.create(params, spec.bert.hiddenSize, spec.lstmHidden, rng, headInit) : undefined;
      const width = lstm ? 2 * spec.lstmHidden : spec.bert.hiddenSize;
      // nn.Linear's default (kaiming_uniform with a = √5) is U(±1/√fan_in) for weight and bias alike.
      const bound = 1 / Math.sqrt(width);
      params.add('classifier.weight', headInit === 'torch' ? init.uniform([width, K], rng, bound) : init.normal([width, K], rng));
      params.add('classifier.bias', headInit === 'torch' ? init.uniform([K], rng, bound) : init.constant([K], 0));
      const crf = spec.crf ? CRF.create(params, K, rng) : undefined;
      const heads = new Map([...(weights.heads ?? [])].filter(([n, t]) => params.has(n) && params.get(n).shape.join() === t.shape.join()));
      params.assign(heads);
      return new Tagger(spec, params, bert, lstm, crf);
    } catch (err) {
      params.dispose();
      throw err;
    }
  }

  /** Per-word label scores [batch, words, labels]. `seeds` drives dropout (null = inference). */
  emissions(batch: TaggerBatch, seeds: DropoutSeeds): tf.Tensor3D {
    const B = batch.inputIds.length;
    const P = batch.inputIds[0]!.length;
    const W = Math.max(1, ...batch.lengths);
    const H = this.spec.bert.hiddenSize;
    const ids = tf.tensor2d(batch.inputIds, [B, P], 'int32'); // [batch, pieces]
    const mask = tf.tensor2d(batch.attentionMask, [B, P], 'int32'); // [batch, pieces]
    const hidden = this.bert.forward(ids, mask, tf.zerosLike(ids), seeds); // [batch, pieces, hidden]
    const first = new Int32Array(B * W);
    batch.wordStarts.forEach((starts, b) => starts.forEach((p, w) => (first[b * W + w] = b * P + p)));
    let x: tf.Tensor3D = tf.reshape(tf.gather(tf.reshape(hidden, [B * P, H]), tf.tensor1d(first, 'int32')), [B, W, H]); // [batch, words, hidden]
    x = dropout(x, this.spec.dropout, seeds) as tf.Tensor3D;
    if (this.lstm) x = dropout(this.lstm.forward(x, batch.lengths), this.spec.dropout, seeds) as tf.Tensor3D; // [batch, words, 2·lstm]
    return dense(x, this.params.get('classifier.weight'), this.params.get('classifier.bias')) as tf.Tensor3D; // [batch, words, labels]
  }

  /** Training loss: mean CRF negative log-likelihood, or mean per-word cross-entropy. */
  loss(batch: TaggerBatch, seeds: DropoutSeeds): tf.Scalar {
    if (!batch.tags) throw new Error('loss needs gold tags');
    const e = this.emissions(batch, seeds); // [batch, words, labels]
    if (this.crf) return this.crf.loss(e, batch.tags, batch.lengths);
    const [B, W, K] = e.shape;
    const live = tf.tensor2d(batch.lengths.map((n) => Array.from({ length: W }, (_, t) => (t < n ? 1 : 0))), [B, W], 'float32'); // [batch, words]
    const gold = tf.tensor2d(batch.tags.map((row, b) => Array.from({ length: W }, (_, t) => (t < batch.lengths[b]! ? row[t]! : 0))), [B, W], 'int32');
    const logp = tf.sub(e, tf.logSumExp(e, -1, true)); // [batch, words, labels]
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(gold, K)), -1)); // [batch, words]
    return tf.div(tf.sum(tf.mul(nll, live)), tf.maximum(tf.sum(live), 1)) as tf.Scalar;
  }

  /** Best labels per word (Viterbi, optionally constrained) with their confidences. */
  decode(batch: TaggerBatch, mask?: TransitionMask): Decoded {
    const e = tf.tidy(() => this.emissions(batch, null));
    const all = e.arraySync() as number[][][];
    e.dispose();
    const K = this.numTags;
    const zero: CrfHostParams = { transitions: Array.from({ length: K }, () => new Array<number>(K).fill(0)), start: new Array<number>(K).fill(0), end: new Array<number>(K).fill(0) };
    const p = this.crf ? this.crf.hostParams() : zero;
    const out: Decoded = { labels: [], scores: [] };
    all.forEach((rows, b) => {
      let em = rows.slice(0, batch.lengths[b]);
      // Softmax head: log-probabilities with zero transitions, so Viterbi = (constrained) argmax.
      if (!this.crf) em = em.map(logSoftmax);
      const { path } = viterbi(em, p, mask);
      const probs = this.crf ? marginals(em, p) : em.map((r) => r.map(Math.exp));
      out.labels.push(path);
      out.scores.push(path.map((k, t) => probs[t]![k]!));
    });
    return out;
  }

  dispose(): void {
    this.params.dispose();
  }
}

function logSoftmax(row: number[]): number[] {
  const m = Math.max(...row);
  const z = m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
  return row.map((x) => x - z);
}
