import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConll } from '../../src/data/conll.js';
import { generateExamplePredictions, generateSample, SAMPLE_SPLITS } from '../../src/data/sample.js';
import { detectScheme, labelsToSpans } from '../../src/data/schemes.js';
import { ROOT } from '../helpers.js';

test('the committed sample corpora are exactly what the generator writes', () => {
  for (const language of ['zh', 'en'] as const) {
    for (const split of SAMPLE_SPLITS) {
      const file = join(ROOT, 'data', `sample-${language}`, `${split.name}.txt`);
      assert.equal(readFileSync(file, 'utf8'), generateSample(language, split), `${file}: run npm run sample-data`);
    }
  }
  const example = join(ROOT, 'data', 'examples', 'predictions.txt');
  assert.equal(readFileSync(example, 'utf8'), generateExamplePredictions(), `${example}: run npm run sample-data`);
});

test('sample corpora parse as IOB2 with every type present and held-out entity names in test', () => {
  for (const language of ['zh', 'en'] as const) {
    const read = (name: string) => parseConll(readFileSync(join(ROOT, 'data', `sample-${language}`, `${name}.txt`), 'utf8'), name, 'labelled');
    const train = read('train');
    const test = read('test');
    assert.equal(train.length, 800);
    assert.equal(detectScheme(train.map((s) => s.labels)), 'IOB2');
    const names = (sents: typeof train) =>
      new Set(sents.flatMap((s) => labelsToSpans(s.labels).map((e) => s.tokens.slice(e.start, e.end).join(' '))));
    const trainNames = names(train);
    const unseen = [...names(test)].filter((n) => !trainNames.has(n));
    assert.ok(unseen.length >= 5, `${language}: test has entity names unseen in train (${unseen.length})`);
  }
});
