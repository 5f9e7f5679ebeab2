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

/** Parses a config object; returns it or a message saying what is wrong. */
export function parseBertConfig(raw: Record<string, unknown>): BertConfig | string {
  const int = (k: string): number | string => {
    const v = raw[k];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : `'${k}' must be a whole number > 0 (got ${JSON.stringify(v)})`;
  };
  const keys = ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size'] as const;
  const vals = keys.map(int);
  const bad = vals.find((v) => typeof v === 'string');
  if (bad) return bad as string;
  const [vocabSize, hiddenSize, numLayers, numHeads, intermediateSize] = vals as number[];
  if (hiddenSize! % numHeads! !== 0) return `hidden_size ${hiddenSize} is not a multiple of num_attention_heads ${numHeads}`;
  const act = ACTS[String(raw.hidden_act ?? 'gelu')];
  if (!act) return `hidden_act '${String(raw.hidden_act)}' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)`;
  const pet = raw.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') return `position_embedding_type '${String(pet)}' is not supported (absolute only)`;
  const num = (k: string, d: number) => (typeof raw[k] === 'number' ? (raw[k] as number) : d);
  return {
    vocabSize: vocabSize!,
    hiddenSize: hiddenSize!,
    numLayers: numLayers!,
    numHeads: numHeads!,
    intermediateSize: intermediateSize!,
    hiddenAct: act,
    hiddenDropout: num('hidden_dropout_prob', 0.1),
    attentionDropout: num('attention_probs_dropout_prob', 0.1),
    maxPositions: num('max_position_embeddings', 512),
    typeVocabSize: num('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12),
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
