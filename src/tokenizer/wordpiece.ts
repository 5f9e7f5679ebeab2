import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.js';
import { readJson } from '../util/files.js';

/**
 * BERT WordPiece tokenisation through @huggingface/tokenizers, built from a tokenizer.json or from
 * vocab.txt alone (then as BertTokenizer: basic tokenisation — CJK characters split, punctuation
 * split, accents stripped when lower-casing — and WordPiece with `##` continuations).
 */
export interface TokenizerFiles {
  tokenizerJson?: Record<string, unknown>;
  vocab?: string[];
  config: Record<string, unknown>;
  /** The file read (errors name it); not saved. */
  source?: string;
}

export class WordPieceTokenizer {
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly vocabSize: number;
  private readonly cache = new Map<string, number[]>();
  /** Ids at or past this are [UNK]: some checkpoints ship a vocab.txt longer than their embedding table. */
  private readonly limit: number;

  constructor(
    private readonly tok: Tokenizer,
    /** The files it was built from, saved again with trained models. */
    readonly files: TokenizerFiles,
    /** Embedding rows of the model it feeds; ids past them map to [UNK] (hf-bin-ner-tiny: 405 vocabulary lines, 402 rows). */
    readonly embeddingRows = Infinity,
  ) {
    this.limit = embeddingRows;
    const id = (t: string, fallback?: number) => {
      const v = tok.token_to_id(t);
      if (v === undefined && fallback === undefined) throw new Error(`the vocabulary has no ${t} token`);
      return v ?? fallback!;
    };
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.unkId = id('[UNK]');
    this.padId = id('[PAD]', 0);
    this.vocabSize = tok.get_vocab(true).size;
  }

  private clamp(ids: number[]): number[] {
    return this.limit === Infinity ? ids : ids.map((i) => (i < this.limit ? i : this.unkId));
  }

  /** Word pieces of one pre-split word; never empty (a word the vocabulary cannot spell is [UNK]). */
  wordIds(word: string): number[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const encoded: number[] = this.tok.encode(word, { add_special_tokens: false }).ids;
    const ids = encoded.length > 0 ? this.clamp(encoded) : [this.unkId];
    if (this.cache.size < 200_000) this.cache.set(word, ids);
    return ids;
  }

  /** Ids of a whole text with [CLS] … [SEP], as the model's own tokenizer would give them. */
  encode(text: string): number[] {
    return this.clamp(this.tok.encode(text).ids);
  }

  tokens(ids: readonly number[]): string[] {
    return ids.map((i) => this.tok.id_to_token(i) ?? '[UNK]');
  }
}

/** A BertTokenizer-equivalent tokenizer.json for a vocab.txt (what transformers' converter writes). */
export function bertTokenizerJson(vocab: readonly string[], config: Record<string, unknown>): Record<string, unknown> {
  // No prototype: tokens named like Object.prototype members (constructor, toString, __proto__) are ordinary tokens.
  const ids = Object.create(null) as Record<string, number>;
  vocab.forEach((t, i) => {
    if (!Object.hasOwn(ids, t)) ids[t] = i;
  });
  const lower = config.do_lower_case !== false;
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].filter((t) => Object.hasOwn(ids, t));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((t) => ({ id: ids[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: config.tokenize_chinese_chars !== false,
      strip_accents: config.strip_accents ?? null,
      lowercase: lower,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [ids['[CLS]']], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [ids['[SEP]']], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  };
}

/** `embeddingRows`: the model's embedding table size, when the vocabulary may be longer than it. */
export function buildTokenizer(files: TokenizerFiles, embeddingRows?: number): WordPieceTokenizer {
  try {
    const json = files.tokenizerJson ?? bertTokenizerJson(files.vocab!, files.config);
    return new WordPieceTokenizer(new Tokenizer(json, files.config), files, embeddingRows);
  } catch (err) {
    // A damaged tokenizer file makes the library throw raw errors: name the file instead.
    if (!files.source || err instanceof InputError) throw err;
    throw new InputError(files.source, undefined, `cannot build a tokenizer from it (${(err as Error).message})`);
  }
}

/**
 * Reads the tokenizer files of a model folder: tokenizer.json when present, else vocab.txt;
 * tokenizer_config.json when present. Google folders have no config: lower-casing is assumed
 * unless the folder name says "cased" (cased_L-12_H-768_A-12).
 */
export function readTokenizerFiles(dir: string): TokenizerFiles {
  const file = (n: string) => join(dir, n);
  let config: Record<string, unknown> = {};
  if (existsSync(file('tokenizer_config.json'))) config = readJson(file('tokenizer_config.json'));
  else if (/(^|[^n])cased/i.test(basename(dir))) config = { do_lower_case: false };
  if (existsSync(file('tokenizer.json'))) return { tokenizerJson: readJson(file('tokenizer.json')), config, source: file('tokenizer.json') };
  if (existsSync(file('vocab.txt'))) {
    const vocab = readFileSync(file('vocab.txt'), 'utf8').split(/\r?\n/);
    while (vocab.length > 0 && vocab[vocab.length - 1] === '') vocab.pop();
    return { vocab, config, source: file('vocab.txt') };
  }
  throw new InputError(dir, undefined, 'no tokenizer: expected tokenizer.json or vocab.txt in the model folder');
}
