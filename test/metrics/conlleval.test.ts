import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { extractEntities } from '../../src/metrics/entities.js';
import { evaluateLabels } from '../../src/metrics/evaluate.js';
import { Rng } from '../../src/util/rng.js';
import { fixture, fixtureFile, readFixture, runCli } from '../helpers.js';
import { conlleval } from './conlleval-oracle.js';

interface Expected {
  tokens: number;
  gold_entities: number;
  predicted_entities: number;
  correct_entities: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  per_type: Record<string, { precision: number; recall: number; f1: number; predicted: number }>;
}
interface Row {
  precision: number;
  recall: number;
  f1: number;
  support: number;
  predicted: number;
  correct: number;
}

const files = readdirSync(fixture('conlleval')).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace(/\.expected\.json$/, '.txt')).sort();

/** conlleval prints percentages with two decimals. */
const pct = (fraction: number) => (100 * fraction).toFixed(2);

describe('ner eval --predictions agrees with conlleval.pl (test/fixtures/conlleval)', () => {
  test('fixture files are there', () => assert.ok(files.length >= 4));
  for (const f of files) for (const mode of ['default', 'conlleval']) {
    test(`${f}, --mode ${mode}`, () => {
      const expected = JSON.parse(readFixture('conlleval', f.replace(/\.txt$/, '.expected.json'))) as Expected;
      const r = runCli(['eval', '--predictions', fixtureFile('conlleval', f), '--json', '--mode', mode]);
      assert.equal(r.code, 0, r.stderr);
      const got = JSON.parse(r.stdout) as { micro: Row; per_type: Record<string, Row>; tokens: number; accuracy: number };
      assert.equal(got.tokens, expected.tokens, 'tokens');
      assert.equal(got.micro.support, expected.gold_entities, 'gold entities');
      assert.equal(got.micro.predicted, expected.predicted_entities, 'predicted entities');
      assert.equal(got.micro.correct, expected.correct_entities, 'correct entities');
      assert.equal(pct(got.accuracy), expected.accuracy.toFixed(2), 'accuracy');
      assert.equal(pct(got.micro.precision), expected.precision.toFixed(2), 'precision');
      assert.equal(pct(got.micro.recall), expected.recall.toFixed(2), 'recall');
      assert.equal(pct(got.micro.f1), expected.f1.toFixed(2), 'f1');
      assert.deepEqual(Object.keys(got.per_type).sort(), Object.keys(expected.per_type).sort(), 'types');
      for (const [type, e] of Object.entries(expected.per_type)) {
        const row = got.per_type[type]!;
        assert.equal(row.predicted, e.predicted, `${type} predicted`);
        assert.equal(pct(row.precision), e.precision.toFixed(2), `${type} precision`);
        assert.equal(pct(row.recall), e.recall.toFixed(2), `${type} recall`);
        assert.equal(pct(row.f1), e.f1.toFixed(2), `${type} f1`);
      }
    });
  }
});

describe('default mode counts entities exactly as conlleval.pl does', () => {
  const TAGS = ['O', 'O', 'O', 'B-X', 'I-X', 'B-Y', 'I-Y', 'I-Z'];
  const randomSentence = (rng: Rng) => Array.from({ length: 1 + rng.int(12) }, () => rng.pick(TAGS));

  test('on 2,000 random documents of B/I/O tags (conlleval predates E-/S-, so only B/I/O are comparable)', () => {
    const rng = new Rng(20261125);
    for (let doc = 0; doc < 2000; doc++) {
      const gold = Array.from({ length: 1 + rng.int(4) }, () => randomSentence(rng));
      const pred = gold.map((s) => s.map((t) => (rng.next() < 0.4 ? rng.pick(TAGS) : t)));
      const lines = gold.flatMap((s, i) => [...s.map((g, j) => `w ${g} ${pred[i]![j]}`), '']);
      const oracle = conlleval(lines);
      const r = evaluateLabels(gold, pred, { mode: 'default' });
      const context = `document ${doc}: ${JSON.stringify({ gold, pred })}`;
      assert.equal(r.tokens, oracle.tokens, context);
      assert.equal(Math.round(r.accuracy * r.tokens), oracle.correctTags, context);
      for (const type of new Set([...Object.keys(oracle.foundCorrect), ...Object.keys(oracle.foundGuessed), ...Object.keys(r.perType)])) {
        const row = r.perType[type];
        assert.equal(row?.support ?? 0, oracle.foundCorrect[type] ?? 0, `${type} gold, ${context}`);
        assert.equal(row?.predicted ?? 0, oracle.foundGuessed[type] ?? 0, `${type} predicted, ${context}`);
        assert.equal(row?.correct ?? 0, oracle.correctChunk[type] ?? 0, `${type} correct, ${context}`);
      }
    }
  });

  test('an I- after O starts an entity in default mode but strict IOB2 drops it', () => {
    const labels = [['O', 'I-PER', 'I-PER', 'O', 'B-LOC', 'I-LOC']];
    const spans = (mode: 'default' | 'strict') =>
      extractEntities(labels, mode, 'IOB2').map((e) => `${e.type}:${e.start}-${e.end}`);
    assert.deepEqual(spans('default'), ['PER:1-3', 'LOC:4-6']);
    assert.deepEqual(spans('strict'), ['LOC:4-6']);
  });

  test('strict IOB2 never counts an entity that starts with I-, on random sequences', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 2000; n++) {
      const s = randomSentence(rng);
      for (const e of extractEntities([s], 'strict', 'IOB2')) assert.ok(s[e.start]!.startsWith('B-'), JSON.stringify(s));
    }
  });
});
