import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { labelSet, prepareData } from '../../src/train/corpus.js';
import { tempDir } from '../helpers.js';

const dir = tempDir();
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const options = { holdout: 0.1, scheme: null, trainLimit: null, devLimit: null, testLimit: null, test: null };

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
