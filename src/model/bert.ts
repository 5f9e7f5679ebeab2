import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { encoderShapes } from '../spec/encoder-shapes.js';
import type { HostTensor, WeightMap } from '../spec/host-tensor.js';
import type { BertConfig } from '../spec/bert-config.js';
import { DROPOUT } from '../kernels/dropout.js';
import { attention, dense as denseOp, gelu, layerNorm, mm, nativeAttention, swapLast } from './ops.js';
import { init, type Params } from './params.js';

/** Draws dropout seeds from the run's generator, so masks replay exactly on resume; null = inference. */
export type DropoutSeeds = (() => number) | null;

/**
 * BERT encoder with Hugging Face BertModel semantics (post-LN, exact erf GELU, LayerNorm eps
 * from the config, additive attention mask). Parameters live in `params` under `bert.` + their
 * HF names; Linear weights are [in, out].
 */
export class BertEncoder {
  constructor(
    private readonly params: Params,
    readonly config: BertConfig,
    readonly numLayers: number,
  ) {}

  /** Creates the parameters: from `weights` where given (internal naming), else HF's random init. */
  static create(params: Params, config: BertConfig, numLayers: number, weights: WeightMap, rng: Rng): BertEncoder {
    for (const [name, shape] of encoderShapes(config, numLayers)) {
      const given = weights.get(name);
      const value: HostTensor =
        given ?? (name.endsWith('LayerNorm.weight') ? init.constant(shape, 1) : name.endsWith('.bias') || name.endsWith('LayerNorm.bias') ? init.constant(shape, 0) : init.normal(shape, rng));
      params.add(`bert.${name}`, value);
    }
    return new BertEncoder(params, config, numLayers);
  }

  private p(name: string): tf.Variable {
    return this.params.get(`bert.${name}`);
  }

  /** Last hidden states [batch, seq, hidden] for ids [batch, seq] (mask 1 = real token). */
  forward(inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, tokenTypeIds: tf.Tensor2D, seeds: DropoutSeeds): tf.Tensor3D {
    const c = this.config;
    const [batch, seq] = inputIds.shape;
    if (seq > c.maxPositions) throw new Error(`sequence of ${seq} pieces exceeds the model's ${c.maxPositions} positions`);
    const H = c.hiddenSize;
    const words = tf.gather(this.p('embeddings.word_embeddings.weight'), inputIds); // [batch, seq, hidden]
    const positions = tf.slice(this.p('embeddings.position_embeddings.weight'), [0, 0], [seq, H]); // [seq, hidden]
    const types = tf.gather(this.p('embeddings.token_type_embeddings.weight'), tokenTypeIds); // [batch, seq, hidden]
    let x = this.layerNorm(tf.add(tf.add(words, positions), types), 'embeddings.LayerNorm'); // [batch, seq, hidden]
    x = dropout(x, c.hiddenDropout, seeds);
    // Additive mask over keys: 0 where attended, -10000 where padded (BERT's constant).
    const maskAdd = tf.reshape(tf.mul(tf.sub(1, tf.cast(attentionMask, 'float32')), -10000), [batch, 1, 1, seq]); // [batch, 1, 1, seq]
    for (let l = 0; l < this.numLayers; l++) x = this.layer(x, maskAdd, `encoder.layer.${l}.`, seeds);
    return x as tf.Tensor3D;
  }

  private layer(x: tf.Tensor, maskAdd: tf.Tensor, p: string, seeds: DropoutSeeds): tf.Tensor {
    const c = this.config;
    const context = nativeAttention() ? this.nativeSelfAttention(x, maskAdd, p, seeds) : this.selfAttention(x, maskAdd, p, seeds); // [batch, seq, hidden]
    const attn = this.layerNorm(tf.add(x, dropout(this.dense(context, `${p}attention.output.dense`), c.hiddenDropout, seeds)), `${p}attention.output.LayerNorm`); // [batch, seq, hidden]
    const inter = this.activation(this.dense(attn, `${p}intermediate.dense`)); // [batch, seq, intermediate]
    const out = dropout(this.dense(inter, `${p}output.dense`), c.hiddenDropout, seeds); // [batch, seq, hidden]
    return this.layerNorm(tf.add(attn, out), `${p}output.LayerNorm`); // [batch, seq, hidden]
  }

  /** Multi-head self-attention in tf ops (heads split by transposes). → [batch, seq, hidden] */
  private selfAttention(x: tf.Tensor, maskAdd: tf.Tensor, p: string, seeds: DropoutSeeds): tf.Tensor {
    const [batch, seq, H] = x.shape as [number, number, number];
    const heads = this.config.numHeads;
    const dh = H / heads;
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, seq, heads, dh]), [0, 2, 1, 3]); // [batch, heads, seq, dh]
    const q = split(this.dense(x, `${p}attention.self.query`)); // [batch, heads, seq, dh]
    const k = split(this.dense(x, `${p}attention.self.key`)); // [batch, heads, seq, dh]
    const v = split(this.dense(x, `${p}attention.self.value`)); // [batch, heads, seq, dh]
    const scores = tf.add(tf.mul(mm(q, swapLast(k)), 1 / Math.sqrt(dh)), maskAdd); // [batch, heads, seq, seq]
    const probs = dropout(tf.softmax(scores, -1), this.config.attentionDropout, seeds); // [batch, heads, seq, seq]
    return tf.reshape(tf.transpose(mm(probs, v), [0, 2, 1, 3]), [batch, seq, H]); // [batch, seq, hidden]
  }

  /** The same on the native attention core (model/ops.ts `attention`); one dropout seed, drawn where the tf-op form draws it. */
  private nativeSelfAttention(x: tf.Tensor, maskAdd: tf.Tensor, p: string, seeds: DropoutSeeds): tf.Tensor {
    const [batch, seq, H] = x.shape as [number, number, number];
    const heads = this.config.numHeads;
    const q = this.dense(x, `${p}attention.self.query`); // [batch, seq, hidden]
    const k = this.dense(x, `${p}attention.self.key`); // [batch, seq, hidden]
    const v = this.dense(x, `${p}attention.self.value`); // [batch, seq, hidden]
    const rate = seeds && this.config.attentionDropout > 0 ? this.config.attentionDropout : 0;
    const seed = rate > 0 ? seeds!() : 0;
    return attention(q, k, v, tf.reshape(maskAdd, [batch, seq]), { heads, scale: 1 / Math.sqrt(H / heads), seed, rate }); // [batch, seq, hidden]
  }

  /** x·W + b over the last axis; W is [in, out]. */
  private dense(x: tf.Tensor, name: string): tf.Tensor {
    return denseOp(x, this.p(`${name}.weight`), this.p(`${name}.bias`));
  }

  private layerNorm(x: tf.Tensor, name: string): tf.Tensor {
    return layerNorm(x, this.p(`${name}.weight`), this.p(`${name}.bias`), this.config.layerNormEps); // [..., hidden]
  }

  private activation(x: tf.Tensor): tf.Tensor {
    switch (this.config.hiddenAct) {
      case 'gelu': // x·Φ(x) with the exact erf
        return gelu(x);
      case 'gelu_tanh':
        return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI)))));
      case 'relu':
        return tf.relu(x);
    }
  }
}

/** Inverted dropout with a seed from the run's generator; identity at inference or rate 0. */
export function dropout(x: tf.Tensor, rate: number, seeds: DropoutSeeds): tf.Tensor {
  if (!seeds || rate <= 0) return x;
  const seed = seeds();
  return tf.getKernel(DROPOUT, tf.getBackend()) ? fusedDropout(x, seed, rate) : tf.dropout(x, rate, undefined, seed);
}

/** Dropout on the native kernel (kernels/dropout.ts): the gradient is the same mask applied to dy. */
function fusedDropout(x: tf.Tensor, seed: number, rate: number): tf.Tensor {
  const run = (t: tf.Tensor) => tf.engine().runKernel(DROPOUT, { x: t }, { seed, rate }) as tf.Tensor; // [same as x]
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({ value: run(args[0] as tf.Tensor), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => [run(dy as tf.Tensor)] }))(x);
}
