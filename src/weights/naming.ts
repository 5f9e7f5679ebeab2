import type { HostTensor, WeightMap } from '../spec/host-tensor.js';

/**
 * Weight names and layouts. Inside `ner` every encoder weight has its Hugging Face BertModel name
 * (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, …, no
 * `bert.` prefix) and Linear weights are stored [in, out] (the TF/tfjs layout, so x·W needs no
 * transpose). Checkpoints come with or without `bert.`, in PyTorch's [out, in] or TF's
 * `bert/encoder/layer_0/.../kernel` [in, out]; this file maps all of them, and back.
 */
export interface KeyReport {
  /** Encoder weights the model needs that the file lacks (they keep their random init). */
  missing: string[];
  /** Weights in the file that the model does not use (other heads, unknown names). */
  unexpected: string[];
  /** Known extras dropped on purpose: optimizer slots, step counters, pretraining heads. */
  ignored: string[];
  /** Names present with a different shape than the model's. */
  mismatched: { name: string; expected: number[]; found: number[] }[];
}

/** A Linear weight in HF naming: 2-D `.weight` that is not an embedding table. */
export function isLinearWeight(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && name.endsWith('.weight') && !name.includes('embeddings');
}

export function transpose2d(t: HostTensor): HostTensor {
  const [r, c] = t.shape as [number, number];
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.values[i * c + j]!;
  return { shape: [c, r], values: out };
}

const IGNORED = [/(^|[/.])adam_[mv]$/, /(^|\/)global_step$/, /^cls[/.]/, /^bert[/.]pooler[/.]/, /^pooler[/.]/, /position_ids$/];

/** TF checkpoint name → HF BertModel name, or undefined for names outside BERT. */
function fromTfName(name: string): string | undefined {
  if (!name.startsWith('bert/')) return undefined;
  let n = name.slice(5);
  n = n.replace(/^embeddings\/(word|position|token_type)_embeddings$/, 'embeddings/$1_embeddings/weight');
  n = n.replace(/\/layer_(\d+)\//, '/layer/$1/');
  n = n.replace(/\/gamma$/, '/weight').replace(/\/beta$/, '/bias').replace(/\/kernel$/, '/weight');
  return n.replace(/\//g, '.');
}

export interface NormalizedWeights {
  /** Encoder weights in internal naming and layout. */
  encoder: WeightMap;
  /** Other weights that keep HF naming in internal layout (e.g. classifier.weight). */
  heads: WeightMap;
  ignored: string[];
  unexpected: string[];
}

/**
 * Normalises a file's weights. `tfLayout` says Linear kernels are already [in, out]
 * (TF checkpoints); otherwise PyTorch's [out, in] is transposed.
 */
export function normalizeWeights(raw: WeightMap, tfLayout: boolean): NormalizedWeights {
  const encoder: WeightMap = new Map();
  const heads: WeightMap = new Map();
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const [name, t] of raw) {
    if (IGNORED.some((re) => re.test(name))) {
      ignored.push(name);
      continue;
    }
    let hf = tfLayout ? fromTfName(name) : name.replace(/^bert\./, '');
    if (hf === undefined) {
      unexpected.push(name);
      continue;
    }
    // Older transformers wrote LayerNorm.gamma / .beta.
    hf = hf.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
    const tensor = !tfLayout && isLinearWeight(hf, t.shape) ? transpose2d(t) : t;
    if (hf.startsWith('embeddings.') || hf.startsWith('encoder.')) encoder.set(hf, tensor);
    else if (hf.startsWith('classifier.')) heads.set(hf, tensor);
    else unexpected.push(name);
  }
  return { encoder, heads, ignored, unexpected };
}

/** Compares the weights a model needs with what a file provides. */
export function compareKeys(expected: Map<string, number[]>, found: WeightMap, numLayers: number): Omit<KeyReport, 'ignored'> {
  const missing: string[] = [];
  const mismatched: KeyReport['mismatched'] = [];
  for (const [name, shape] of expected) {
    const t = found.get(name);
    if (!t) missing.push(name);
    else if (t.shape.join() !== shape.join()) mismatched.push({ name, expected: shape, found: t.shape });
  }
  // Layers past numLayers are dropped on purpose (--num-layers); anything else unknown is unexpected.
  const unexpected = [...found.keys()].filter((n) => !expected.has(n) && !(Number(/^encoder\.layer\.(\d+)\./.exec(n)?.[1] ?? -1) >= numLayers));
  return { missing, unexpected, mismatched };
}

/** Back to Hugging Face layout ([out, in] Linear weights), for saving. */
export function toHfLayout(name: string, t: HostTensor): HostTensor {
  return isLinearWeight(name, t.shape) ? transpose2d(t) : t;
}
