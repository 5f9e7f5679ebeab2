import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  convertLabels,
  detectScheme,
  labelsToSpans,
  SchemeError,
  schemeFromName,
  SCHEMES,
  spansToLabels,
  type Span,
} from '../../src/data/schemes.js';
import { Rng } from '../../src/util/rng.js';

/** Random non-overlapping spans, often adjacent and of the same type (the hard case for IOB1/IOE1). */
function randomSpans(rng: Rng, length: number): Span[] {
  const spans: Span[] = [];
  let i = 0;
  while (i < length) {
    if (rng.next() < 0.45) {
      const end = Math.min(length, i + 1 + rng.int(4));
      spans.push({ type: rng.pick(['PER', 'LOC', 'ORG-GPE']), start: i, end });
      i = end;
    } else {
      i += 1 + rng.int(2);
    }
  }
  return spans;
}

describe('tag schemes', () => {
  test('known examples encode as each scheme writes them', () => {
    const spans: Span[] = [
      { type: 'PER', start: 0, end: 2 },
      { type: 'PER', start: 2, end: 3 },
      { type: 'LOC', start: 4, end: 7 },
    ];
    const expect: Record<string, string> = {
      IOB1: 'I-PER I-PER B-PER O I-LOC I-LOC I-LOC',
      IOB2: 'B-PER I-PER B-PER O B-LOC I-LOC I-LOC',
      IOE1: 'I-PER E-PER I-PER O I-LOC I-LOC I-LOC',
      IOE2: 'I-PER E-PER E-PER O I-LOC I-LOC E-LOC',
      IOBES: 'B-PER E-PER S-PER O B-LOC I-LOC E-LOC',
      BMES: 'B-PER E-PER S-PER O B-LOC M-LOC E-LOC',
      BILOU: 'B-PER L-PER U-PER O B-LOC I-LOC L-LOC',
    };
    for (const scheme of SCHEMES) assert.equal(spansToLabels(spans, 7, scheme).join(' '), expect[scheme], scheme);
  });

  test('every scheme round-trips random spans losslessly, and converts to every other scheme and back', () => {
    const rng = new Rng(42);
    for (let n = 0; n < 1500; n++) {
      const length = 1 + rng.int(15);
      const spans = randomSpans(rng, length);
      for (const a of SCHEMES) {
        const labels = spansToLabels(spans, length, a);
        assert.deepEqual(labelsToSpans(labels), spans, `${a}: ${labels.join(' ')}`);
        for (const b of SCHEMES) {
          const there = convertLabels(labels, b);
          assert.deepEqual(convertLabels(there, a), labels, `${a} → ${b} → ${a}: ${labels.join(' ')}`);
        }
      }
    }
  });

  test('detection recognises every scheme from a corpus written in it', () => {
    const rng = new Rng(3);
    const corpus = Array.from({ length: 200 }, () => randomSpans(rng, 12));
    for (const scheme of SCHEMES) {
      assert.equal(detectScheme(corpus.map((spans) => spansToLabels(spans, 12, scheme))), scheme, scheme);
    }
  });

  test('detection: IOB2 with noise stays IOB2; no entity at all is IOB2; single-token-only sets', () => {
    assert.equal(detectScheme([['B-PER', 'I-PER', 'O', 'I-LOC', 'O', 'B-LOC']]), 'IOB2');
    assert.equal(detectScheme([['O', 'O']]), 'IOB2');
    assert.equal(detectScheme([['S-PER', 'O']]), 'IOBES');
    assert.equal(detectScheme([['U-PER', 'O']]), 'BILOU');
    assert.equal(detectScheme([['I-PER', 'B-PER', 'O']]), 'IOB1');
  });

  test('detection rejects labels that mix schemes, naming the prefixes', () => {
    assert.throws(() => detectScheme([['B-PER', 'L-PER', 'S-LOC']]), (e: Error) => e instanceof SchemeError && /L-\/U-/.test(e.message));
    assert.throws(() => detectScheme([['B-PER', 'M-PER', 'I-PER']]), SchemeError);
    assert.throws(() => detectScheme([['B_PER']]), SchemeError);
  });

  test('People’s Daily style adjacent single-character entities (B-LOC B-LOC) stay two entities', () => {
    assert.deepEqual(labelsToSpans(['B-LOC', 'B-LOC', 'O']), [
      { type: 'LOC', start: 0, end: 1 },
      { type: 'LOC', start: 1, end: 2 },
    ]);
    assert.deepEqual(convertLabels(['B-LOC', 'B-LOC'], 'IOBES'), ['S-LOC', 'S-LOC']);
    assert.deepEqual(convertLabels(['B-LOC', 'B-LOC'], 'IOB1'), ['I-LOC', 'B-LOC']);
  });

  test('scheme names accept the usual spellings', () => {
    assert.equal(schemeFromName('bio'), 'IOB2');
    assert.equal(schemeFromName('BIOES'), 'IOBES');
    assert.equal(schemeFromName('bioul'), 'BILOU');
    assert.equal(schemeFromName('IOB3'), undefined);
  });
});
