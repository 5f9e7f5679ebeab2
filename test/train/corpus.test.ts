import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TRAIN_DEFAULTS } from '../../src/config/schema.js';
import { InputError } from '../../src/errors.js';
import { labelSet, prepareData } from '../../src/train/corpus.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const options = { ...TRAIN_DEFAULTS, test: null };

test('the label set is every prefix of the scheme for every type, not only the labels train contains', async () => {
  const train = write('train.txt', '中 B-ORG\n国 M-ORG\n银 M-ORG\n行 E-ORG\n\n王 S-PER\n');
  const dev = write('dev.txt', '央 S-ORG\n\n李 B-PER\n四 E-PER\n');
  const data = await prepareData({ ...options, train, dev });
  assert.equal(data.fileScheme, 'BMES');
  assert.deepEqual(data.labels, ['O', 'B-ORG', 'B-PER', 'E-ORG', 'E-PER', 'M-ORG', 'M-PER', 'S-ORG', 'S-PER']);
  assert.deepEqual(labelSet(new Set(['X']), 'IOB2'), ['O', 'B-X', 'I-X']);
});

test('a type that train lacks stays an error, naming the type, the line and the part of train used', async () => {
  const train = write('train2.txt', Array.from({ length: 10 }, () => 'Paris B-LOC\n\n').join('') + 'ACME B-COMPANY\n');
  await assert.rejects(
    prepareData({ ...options, train, dev: null }),
    (e: unknown) =>
      e instanceof InputError &&
      /entity types never seen in the first 90% of .*train2\.txt: COMPANY \(first: COMPANY\)/.test(e.message),
  );
});

const weibo = '我0 O\n们1 O\n在0 O\n北0 B-GPE.NAM\n京1 I-GPE.NAM\n\n张0 B-PER.NAM\n三1 I-PER.NAM\n好0 O\n'.replace(/\.NAM/g, '');

test('Weibo-style 我0 tokens are detected with a warning naming the fix; --token-transform strip-position-digit drops the digits', async () => {
  const train = write('weibo.train.txt', weibo);
  const dev = write('weibo.dev.txt', weibo);
  const plain = await prepareData({ ...options, train, dev });
  assert.equal(plain.warnings.length, 2, 'train and dev');
  assert.match(plain.warnings[0]!, /100\.0% of tokens are one character followed by digits \(我0, 们1, 在0\).*--token-transform strip-position-digit/);
  assert.deepEqual(plain.train.sentences[0]!.tokens.slice(0, 2), ['我0', '们1'], 'without the transform tokens are kept');
  const stripped = await prepareData({ ...options, train, dev, tokenTransform: 'strip-position-digit' });
  assert.deepEqual(stripped.warnings, []);
  assert.deepEqual(stripped.train.sentences.map((s) => s.tokens.join('')), ['我们在北京', '张三好']);
});

test('ordinary corpora do not trigger the warning (digits that are words, English)', async () => {
  const train = write('digits.txt', 'in O\n2024 O\nParis B-LOC\n\nA1 B-MISC\n');
  assert.deepEqual((await prepareData({ ...options, train, dev: train })).warnings, []);
});

test('--token-column / --label-column read other layouts; a column past the line names file:line', async () => {
  const train = write('cols.txt', 'B-PER 1 John\nI-PER 2 Smith\nO 3 runs\n');
  const data = await prepareData({ ...options, train, dev: train, tokenColumn: 3, labelColumn: 1 });
  assert.deepEqual(data.train.sentences[0]!.tokens, ['John', 'Smith', 'runs']);
  assert.deepEqual(data.train.sentences[0]!.labels, ['B-PER', 'I-PER', 'O']);
  await assert.rejects(
    prepareData({ ...options, train, dev: train, labelColumn: 4 }),
    (e: unknown) => e instanceof InputError && /cols\.txt:1: --label-column 4 asks for column 4, but this line has 3/.test(e.message),
  );
});
