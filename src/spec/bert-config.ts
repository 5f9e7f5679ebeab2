/**
 * BERT architecture hyperparameters, read from Hugging Face config.json or Google's
 * bert_config.json (same keys). Unknown activations and position embeddings are refused.
 */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  /** gelu = exact erf GELU (HF "gelu"); gelu_tanh = the tanh approximation (gelu_new, gelu_pytorch_tanh). */
  hiddenAct: 'gelu' | 'gelu_tanh' | 'relu';
  hiddenDropout: number;
  attentionDropout: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
}

const ACTS: Record<string, BertConfig['hiddenAct']> = {
  gelu: 'gelu',
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu_fast: 'gelu_tanh',
  relu: 'relu',
};

/**
 * Sane bounds: far above any published BERT, far below what would exhaust memory or hang (a
 * million layers, a billion-row vocabulary) before a single weight is compared.
 */
const BOUNDS = {
  vocab_size: 2_000_000,
  hidden_size: 16_384,
  num_hidden_layers: 256,
  num_attention_heads: 1024,
  intermediate_size: 65_536,
  max_position_embeddings: 65_536,
  type_vocab_size: 1024,
} as const;

/** Parses a config object; returns it or a message `key: what is wrong` (the caller adds the file). */
export function parseBertConfig(raw: Record<string, unknown>): BertConfig | string {
  const int = (k: keyof typeof BOUNDS, fallback?: number): number | string => {
    const v = raw[k] ?? fallback;
    return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= BOUNDS[k] ? v : `${k}: must be a whole number from 1 to ${BOUNDS[k].toLocaleString('en-US')} (got ${JSON.stringify(v)})`;
  };
  const keys = ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'] as const;
  const vals = [...keys.map((k) => int(k)), int('max_position_embeddings', 512), int('type_vocab_size', 2)];
  const bad = vals.find((v) => typeof v === 'string');
  if (bad) return bad as string;
  const [vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions, typeVocabSize] = vals as number[];
  if (hiddenSize! % numHeads! !== 0) return `hidden_size: ${hiddenSize} is not a multiple of num_attention_heads ${numHeads}`;
  const actName = raw.hidden_act ?? 'gelu';
  const act = typeof actName === 'string' && Object.hasOwn(ACTS, actName) ? ACTS[actName] : undefined;
  if (!act) return `hidden_act: '${String(raw.hidden_act)}' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)`;
  const pet = raw.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') return `position_embedding_type: '${String(pet)}' is not supported (absolute only)`;
  const fraction = (k: string, d: number, max: number): number | string => {
    const v = raw[k] ?? d;
    return typeof v === 'number' && v >= 0 && v < max ? v : `${k}: must be a number ≥ 0 and < ${max} (got ${JSON.stringify(v)})`;
  };
  const rest = [fraction('hidden_dropout_prob', 0.1, 1), fraction('attention_probs_dropout_prob', 0.1, 1), fraction('layer_norm_eps', 1e-12, 1)];
  const badRest = rest.find((v) => typeof v === 'string');
  if (badRest) return badRest as string;
  const [hiddenDropout, attentionDropout, layerNormEps] = rest as number[];
  if (layerNormEps === 0) return 'layer_norm_eps: must be > 0 (got 0)';
  return {
    vocabSize: vocabSize!,
    hiddenSize: hiddenSize!,
    numLayers: numLayers!,
    numHeads: numHeads!,
    intermediateSize: intermediateSize!,
    hiddenAct: act,
    hiddenDropout: hiddenDropout!,
    attentionDropout: attentionDropout!,
    maxPositions: maxPositions!,
    typeVocabSize: typeVocabSize!,
    layerNormEps: layerNormEps!,
  };
}

/** Back to Hugging Face config.json keys (written with every trained model). */
export function bertConfigJson(c: BertConfig): Record<string, unknown> {
  return {
    model_type: 'bert',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct === 'gelu_tanh' ? 'gelu_new' : c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropout,
    attention_probs_dropout_prob: c.attentionDropout,
    max_position_embeddings: c.maxPositions,
    type_vocab_size: c.typeVocabSize,
    layer_norm_eps: c.layerNormEps,
    position_embedding_type: 'absolute',
  };
}
