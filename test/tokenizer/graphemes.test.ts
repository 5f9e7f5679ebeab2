import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pretokenize } from '../../src/tokenizer/pretokenize.js';
import { Rng } from '../../src/util/rng.js';

const PIECES = ['新', '华', '社', '👩‍👩‍👧', '🇨🇳', 'e\u0301', '字\uFE0F', 'a', 'Z', ' ', '…', ',', '\u200D', '\u200B', '👍🏽', 'x\u0308\u0301', '1'];
const boundaries = (text: string) => new Set([...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.index).concat(text.length));

test('an entity never ends inside a grapheme: 新华社👩‍👩‍👧 keeps the family emoji whole', () => {
  const text = '…新华社👩‍👩‍👧…';
  assert.deepEqual(pretokenize(text).map((w) => w.text), ['…', '新', '华', '社', '👩‍👩‍👧', '…']);
});

test('on 2,000 random texts of emoji sequences, flags, combining marks and CJK, every word starts and ends on a grapheme boundary', () => {
  const rng = new Rng(14);
  for (let n = 0; n < 2000; n++) {
    const text = Array.from({ length: 1 + rng.int(12) }, () => rng.pick(PIECES)).join('');
    const ok = boundaries(text);
    for (const w of pretokenize(text)) {
      assert.equal(text.slice(w.start, w.end), w.text);
      assert.ok(ok.has(w.start) && ok.has(w.end), `${JSON.stringify(text)}: word ${JSON.stringify(w)} cuts a grapheme`);
    }
  }
});
