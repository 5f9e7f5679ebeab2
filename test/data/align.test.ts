import assert from 'node:assert/strict';
import { test } from 'node:test';
import { windows } from '../../src/data/align.js';
import { pretokenize } from '../../src/tokenizer/pretokenize.js';
import { Rng } from '../../src/util/rng.js';

test('one window when the sentence fits: [CLS] pieces [SEP], labels on first pieces', () => {
  const [w] = windows([[5], [6, 7], [8]], { maxLen: 10, clsId: 1, sepId: 2 });
  assert.deepEqual(w, { inputIds: [1, 5, 6, 7, 8, 2], wordStarts: [1, 2, 4], firstWord: 0, ownFrom: 0, ownTo: 3 });
});

test('long sentences: windows fit maxLen, overlap, and own every word exactly once, in order', () => {
  const rng = new Rng(11);
  for (let n = 0; n < 500; n++) {
    const maxLen = 4 + rng.int(60);
    const words = Array.from({ length: 1 + rng.int(300) }, () => Array.from({ length: 1 + (rng.next() < 0.1 ? rng.int(maxLen + 5) : rng.int(3)) }, () => 10 + rng.int(90)));
    const ws = windows(words, { maxLen, clsId: 1, sepId: 2 });
    let next = 0;
    for (const w of ws) {
      assert.ok(w.inputIds.length <= maxLen, `window of ${w.inputIds.length} > ${maxLen}`);
      assert.equal(w.inputIds[0], 1);
      assert.equal(w.inputIds[w.inputIds.length - 1], 2);
      assert.equal(w.ownFrom, next, 'ownership is contiguous');
      assert.ok(w.ownTo > w.ownFrom, 'each window owns at least one word');
      assert.ok(w.ownFrom >= w.firstWord && w.ownTo <= w.firstWord + w.wordStarts.length, 'owned words lie in the window');
      for (let k = 0; k < w.wordStarts.length; k++) assert.equal(w.inputIds[w.wordStarts[k]!], words[w.firstWord + k]![0], 'first piece of each word');
      next = w.ownTo;
    }
    assert.equal(next, words.length, 'every word owned');
  }
});

test('pretokenize splits like BERT’s basic tokenizer and keeps exact character offsets', () => {
  const text = 'Apple公司发布了iPhone 15，售价5999元。 U.S.-based\u200Bfirm 😀ok';
  const words = pretokenize(text);
  for (const w of words) assert.equal(text.slice(w.start, w.end), w.text);
  assert.deepEqual(words.map((w) => w.text), ['Apple', '公', '司', '发', '布', '了', 'iPhone', '15', '，', '售', '价', '5999', '元', '。', 'U', '.', 'S', '.', '-', 'based', 'firm', '😀ok']);
});
