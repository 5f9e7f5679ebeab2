import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadEncoder } from '../../src/encoder.js';
import { UsageError } from '../../src/errors.js';
import { Tagger } from '../../src/model/tagger.js';
import { Rng } from '../../src/util/rng.js';
import { loadPretrained } from '../../src/weights/pretrained.js';
import { needsShared, shared } from '../helpers.js';

interface Reference {
  texts?: string[];
  input_ids: number[][];
  attention_mask: number[][];
  token_type_ids: number[][];
  last_hidden_state: number[][][];
  token_logits?: number[][][];
}

const modelsDir = shared('models');
const folders = modelsDir ? readdirSync(modelsDir).filter((f) => !f.includes('.')).sort() : [];
const reference = (folder: string) => JSON.parse(readFileSync(join(modelsDir!, folder, 'reference_outputs.json'), 'utf8')) as Reference;

function maxAbsDiff(a: number[][][], b: number[][][]): number {
  let worst = 0;
  b.forEach((m, i) => m.forEach((row, j) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - a[i]![j]![k]!))))));
  return worst;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`every checkpoint in ../shared/models matches its reference hidden states (${backend})`, () => {
    test('there are checkpoints of every format', { skip: needsShared('models') }, () => assert.ok(folders.length >= 6, folders.join()));
    for (const folder of folders) {
      test(`${folder}: last_hidden_state to ≤ 1e-4, no missing or unexpected keys${reference(folder).texts ? ', tokenisation = input_ids' : ''}`, { skip: needsShared('models') }, async () => {
        const ref = reference(folder);
        const enc = await loadEncoder(join(modelsDir!, folder), { backend });
        try {
          assert.equal(enc.backend.name, backend);
          assert.deepEqual(enc.report.missing, []);
          assert.deepEqual(enc.report.unexpected, []);
          assert.deepEqual(enc.report.mismatched, []);
          const hs = await enc.hiddenStates(ref.input_ids, ref.attention_mask, ref.token_type_ids);
          const diff = maxAbsDiff(hs, ref.last_hidden_state);
          assert.ok(diff <= 1e-4, `max |Δ| ${diff}`);
          if (ref.texts) {
            const ids = enc.tokenize(ref.texts);
            ids.forEach((row, i) => assert.deepEqual(row, ref.input_ids[i]!.filter((_, j) => ref.attention_mask[i]![j] === 1), ref.texts![i]));
          }
        } finally {
          enc.dispose();
        }
      });
    }
  });
}

describe('checkpoint details', () => {
  test('hf-bin-ner-tiny: the token-classification head reproduces the reference logits', { skip: needsShared('models') }, async () => {
    const pre = await loadPretrained(shared('models', 'hf-bin-ner-tiny')!);
    const ref = reference('hf-bin-ner-tiny');
    assert.deepEqual(pre.id2label, ['O', 'B-MISC', 'I-MISC', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC']);
    const tagger = Tagger.create(
      { bert: pre.config, numLayers: pre.config.numLayers, labels: pre.id2label!, lstmHidden: 0, crf: false, dropout: 0 },
      { encoder: pre.encoder, heads: pre.heads },
      new Rng(0),
    );
    // Every piece as its own "word", so emissions are the per-piece logits.
    const ids = ref.input_ids[0]!;
    const logits = tf.tidy(() =>
      tagger.emissions({ inputIds: [ids], attentionMask: [ids.map(() => 1)], wordStarts: [ids.map((_, i) => i)], lengths: [ids.length] }, null).arraySync(),
    );
    tagger.dispose();
    const diff = maxAbsDiff(logits, ref.token_logits!);
    assert.ok(diff <= 1e-4, `max |Δ| ${diff}`);
  });

  test('--num-layers keeps the first N layers; out of range is a usage error', { skip: needsShared('models') }, async () => {
    const dir = shared('models', 'zh-bert-L6-H256')!;
    const two = await loadEncoder(dir, { numLayers: 2 });
    assert.equal(two.numLayers, 2);
    assert.deepEqual(two.report.missing, []);
    assert.deepEqual(two.report.unexpected, [], 'layers past N are dropped on purpose, not unexpected');
    two.dispose();
    await assert.rejects(loadEncoder(dir, { numLayers: 7 }), (e: unknown) => e instanceof UsageError && /from 1 to 6/.test((e as Error).message));
  });

  test('TF checkpoints: Adam slots and global_step are ignored, names mapped from bert/encoder/layer_N/…', { skip: needsShared('models') }, async () => {
    const pre = await loadPretrained(shared('models', 'tf-ckpt-tiny')!);
    assert.ok(pre.ignored.includes('global_step'));
    assert.ok(pre.ignored.some((n) => n.endsWith('/adam_m')) && pre.ignored.some((n) => n.endsWith('/adam_v')));
    assert.ok(pre.encoder.has('encoder.layer.1.attention.self.query.weight'));
    assert.equal(pre.format, 'tf-checkpoint');
  });
});

describe('Hugging Face token-classification checkpoints', () => {
  test('hf-bin-ner-tiny: "This is a test" yields the entity ("a", ORG), as transformers’ pipeline gives', { skip: needsShared('models', 'hf-bin-ner-tiny') }, async () => {
    const { Predictor } = await import('../../src/predict/predictor.js');
    const { buildTokenizer } = await import('../../src/tokenizer/wordpiece.js');
    const pre = await loadPretrained(shared('models', 'hf-bin-ner-tiny')!);
    const tagger = Tagger.create(
      { bert: pre.config, numLayers: pre.config.numLayers, labels: pre.id2label!, lstmHidden: 0, crf: false, dropout: 0 },
      { encoder: pre.encoder, heads: pre.heads },
      new Rng(0),
    );
    const predictor = new Predictor(tagger, buildTokenizer(pre.tokenizerFiles), { maxLen: 16, batchSize: 8, unknownWordsOutside: true });
    const [result] = await predictor.predictTexts(['This is a test']);
    assert.deepEqual(result!.entities.map((e) => [e.text, e.type]), [['a', 'ORG']]);
    const e = result!.entities[0]!;
    assert.equal('This is a test'.slice(e.start, e.end), 'a');
    assert.ok(e.score > 0 && e.score <= 1);
    tagger.dispose();
  });
});
