import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractEntities } from '../../src/metrics/entities.js';
import { evaluateLabels } from '../../src/metrics/evaluate.js';
import { Rng } from '../../src/util/rng.js';
import { runCli, tempFile } from '../helpers.js';
import { conlleval } from './conlleval-oracle.js';

const file = (text: string) => tempFile(text);

describe('default mode reads BMES', () => {
  test('B- M- M- E- is one entity (M- read as I-), so identical predictions score F1 1', () => {
    const labels = [['B-ORG', 'M-ORG', 'M-ORG', 'E-ORG', 'O', 'S-PER']];
    assert.deepEqual(
      extractEntities(labels, 'default').map((e) => `${e.type}:${e.start}-${e.end}`),
      ['ORG:0-4', 'PER:5-6'],
    );
    const r = evaluateLabels(labels, labels, { mode: 'default' });
    assert.equal(r.micro.f1, 1);
    assert.equal(r.micro.support, 2);
  });
});

describe('--mode conlleval reproduces conlleval.pl', () => {
  const TAGS = ['O', 'O', 'O', 'B-X', 'I-X', 'E-X', 'S-X', 'M-X', 'L-Y', 'U-Y', 'B-Y', 'I-Y', 'E-Y', 'S-Y', 'B-Z-W', 'I-Z-V', 'B-0', 'I-0', 'S-0'];
  const TOKENS = ['w', 'w', 'w', 'w', 'w', '-X-'];

  test('on 2,000 random documents of every prefix, dashed types, type "0" and -X- tokens', () => {
    const rng = new Rng(20261201);
    for (let doc = 0; doc < 2000; doc++) {
      const sentences = Array.from({ length: 1 + rng.int(4) }, () =>
        Array.from({ length: 1 + rng.int(10) }, () => {
          const gold = rng.pick(TAGS);
          return { token: rng.pick(TOKENS), gold, predicted: rng.next() < 0.4 ? rng.pick(TAGS) : gold };
        }),
      );
      const lines = sentences.flatMap((s) => [...s.map((t) => `${t.token} ${t.gold} ${t.predicted}`), '']);
      const oracle = conlleval(lines);
      const r = evaluateLabels(
        sentences.map((s) => s.map((t) => t.gold)),
        sentences.map((s) => s.map((t) => t.predicted)),
        { mode: 'conlleval', tokens: sentences.map((s) => s.map((t) => t.token)) },
      );
      const context = `document ${doc}: ${JSON.stringify(lines)}`;
      assert.equal(r.tokens, oracle.tokens, context);
      assert.equal(Math.round(r.accuracy * r.tokens), oracle.correctTags, context);
      const types = new Set([...Object.keys(oracle.foundCorrect), ...Object.keys(oracle.foundGuessed), ...Object.keys(r.perType)]);
      for (const type of types) {
        const row = r.perType[type];
        assert.equal(row?.support ?? 0, oracle.foundCorrect[type] ?? 0, `${type} gold, ${context}`);
        assert.equal(row?.predicted ?? 0, oracle.foundGuessed[type] ?? 0, `${type} predicted, ${context}`);
        assert.equal(row?.correct ?? 0, oracle.correctChunk[type] ?? 0, `${type} correct, ${context}`);
      }
    }
  });

  test('-DOCSTART- lines count as tokens in conlleval mode (as conlleval.pl counts them), not in default mode', () => {
    const path = file('-DOCSTART- O O\n\na B-PER B-PER\nb O B-LOC\n');
    const scores = (mode: string) => JSON.parse(runCli(['eval', '--predictions', path, '--json', '--mode', mode]).stdout);
    const conll = scores('conlleval');
    const def = scores('default');
    assert.equal(conll.tokens, 3);
    assert.equal(conll.accuracy, 2 / 3);
    assert.equal(def.tokens, 2);
    assert.equal(def.accuracy, 1 / 2);
    assert.equal(conll.mode, 'conlleval');
  });

  test('E-X B-X is one chunk for conlleval.pl but two entities in default mode', () => {
    const path = file('a E-X E-X\nb B-X B-X\n');
    const conll = JSON.parse(runCli(['eval', '--predictions', path, '--json', '--mode', 'conlleval']).stdout);
    const def = JSON.parse(runCli(['eval', '--predictions', path, '--json']).stdout);
    assert.equal(conll.micro.support, 1);
    assert.equal(def.micro.support, 2);
  });
});

describe('strict mode with a scheme that does not fit', () => {
  test('IOB2 gold labels scored as IOBES exit 2 naming the entity, its line and the detected scheme', () => {
    const path = file('a O O\nb B-ORG B-ORG\nc I-ORG I-ORG\n');
    for (const scheme of ['IOBES', 'BILOU']) {
      const r = runCli(['eval', '--predictions', path, '--mode', 'strict', '--scheme', scheme]);
      assert.equal(r.code, 2, scheme);
      assert.match(r.stderr, new RegExp(`^ner: ${path}:2: gold entity ORG \\('B-ORG I-ORG'\\) does not follow ${scheme}'s patterns.*they look like IOB2: pass --scheme IOB2`));
    }
    const lib = evaluateLabels([['B-X', 'I-X']], [['O', 'O']], { mode: 'strict', scheme: 'IOBES' });
    assert.deepEqual(lib.dropped?.gold.map((e) => [e.type, e.start, e.end]), [['X', 0, 2]], 'the library scores as seqeval and lists what it dropped');
  });

  test('predicted entities strict mode drops are counted on stderr and in --json', () => {
    const path = file('a B-ORG B-ORG\nb I-ORG I-ORG\nc O I-PER\nd O I-PER\ne O O\nf O I-LOC\n');
    const r = runCli(['eval', '--predictions', path, '--mode', 'strict', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).dropped, { gold: 0, predicted: 2 });
    assert.match(r.stderr, /strict mode did not count 0 gold entities and 2 predicted entities whose labels do not follow IOB2/);
    const def = JSON.parse(runCli(['eval', '--predictions', path, '--json']).stdout);
    assert.equal(def.dropped, undefined, 'default mode drops nothing');
  });
});
