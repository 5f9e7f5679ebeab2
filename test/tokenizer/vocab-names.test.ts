import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildTokenizer } from '../../src/tokenizer/wordpiece.js';

test('vocabulary tokens named like Object.prototype members are ordinary tokens, not [UNK]', () => {
  const names = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', ...names];
  const tok = buildTokenizer({ vocab, config: { do_lower_case: false } });
  for (const n of names) assert.deepEqual(tok.wordIds(n), [vocab.indexOf(n)], n);
});
