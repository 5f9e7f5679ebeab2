import type { ScratchConfig, TrainConfig } from '../config/schema.js';
import { checkNumLayers, keyReport } from '../encoder.js';
import { InputError, UsageError } from '../errors.js';
import type { BertConfig } from '../spec/bert-config.js';
import { Tagger } from '../model/tagger.js';
import { buildVocab } from '../tokenizer/build-vocab.js';
import { buildTokenizer, type TokenizerFiles, type WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { Rng } from '../util/rng.js';
import type { KeyReport } from '../weights/naming.js';
import { loadPretrained } from '../weights/pretrained.js';
import type { PreparedData } from './corpus.js';

export interface InitialModel {
  tagger: Tagger;
  tokenizer: WordPieceTokenizer;
  tokenizerFiles: TokenizerFiles;
  /** Key report of the pretrained checkpoint (undefined for scratch). */
  report?: KeyReport;
}

function scratchBert(s: ScratchConfig, vocabSize: number, maxLen: number): BertConfig {
  if (s.hiddenSize % s.numHeads !== 0) throw new UsageError(`scratch.hiddenSize ${s.hiddenSize} is not a multiple of scratch.numHeads ${s.numHeads}`);
  return {
    vocabSize,
    hiddenSize: s.hiddenSize,
    numLayers: s.numLayers,
    numHeads: s.numHeads,
    intermediateSize: s.intermediateSize,
    hiddenAct: 'gelu',
    hiddenDropout: 0.1,
    attentionDropout: 0.1,
    maxPositions: Math.max(maxLen, 512),
    typeVocabSize: 2,
    layerNormEps: 1e-12,
  };
}

/** The model training starts from: a pretrained encoder (or a scratch one) with a fresh head. */
export async function initialModel(cfg: TrainConfig, data: PreparedData, rng: Rng): Promise<InitialModel> {
  const head = { labels: data.labels, lstmHidden: cfg.lstmHidden, crf: cfg.crf, dropout: cfg.dropout };
  if (cfg.model === 'scratch') {
    const vocab = buildVocab(
      data.train.sentences.flatMap((s) => s.tokens),
      { words: cfg.scratch.vocabWords, lowercase: cfg.scratch.lowercase },
    );
    const tokenizerFiles: TokenizerFiles = { vocab, config: { do_lower_case: cfg.scratch.lowercase } };
    const bert = scratchBert(cfg.scratch, vocab.length, cfg.maxLen);
    const tagger = Tagger.create({ ...head, bert, numLayers: bert.numLayers }, { encoder: new Map() }, rng, cfg.headInit);
    return { tagger, tokenizer: buildTokenizer(tokenizerFiles), tokenizerFiles };
  }
  const pre = await loadPretrained(cfg.model);
  const numLayers = checkNumLayers(pre.config, cfg.numLayers ?? undefined);
  const report = keyReport(pre, numLayers);
  if (report.mismatched.length > 0) {
    throw new UsageError(`${pre.weightsFile}: weights of the wrong shape: ${report.mismatched.map((m) => `${m.name} ${JSON.stringify(m.found)} (expected ${JSON.stringify(m.expected)})`).join(', ')}`);
  }
  // Only the new head may start random: an encoder weight the file lacks would silently train from noise.
  if (report.missing.length > 0 && cfg.encoderWeights !== 'random') {
    const list = report.missing.length > 6 ? `${report.missing.slice(0, 6).join(', ')} and ${report.missing.length - 6} more` : report.missing.join(', ');
    throw new InputError(pre.weightsFile, undefined, `lacks encoder weights its config.json calls for: ${list}; the file is damaged or belongs to another model`);
  }
  if (cfg.maxLen > pre.config.maxPositions) throw new UsageError(`--max-len ${cfg.maxLen} exceeds the model's ${pre.config.maxPositions} positions`);
  const encoder = cfg.encoderWeights === 'random' ? new Map() : pre.encoder;
  const tagger = Tagger.create({ ...head, bert: pre.config, numLayers }, { encoder }, rng, cfg.headInit);
  return { tagger, tokenizer: buildTokenizer(pre.tokenizerFiles, pre.config.vocabSize), tokenizerFiles: pre.tokenizerFiles, report };
}
