import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatConllSentence, parseConll, readConll, readCorpus } from '../../src/data/conll.js';
import { InputError } from '../../src/errors.js';
import { needsShared, shared, tempDir } from '../helpers.js';

/** The `file:line: detail` a malformed input must produce. */
function rejects(text: string, layout: 'tokens' | 'labelled' | 'predictions', message: string) {
  assert.throws(
    () => parseConll(text, 'in.txt', layout),
    (e: unknown) => e instanceof InputError && e.message === message,
    `expected: ${message}`,
  );
}

describe('CoNLL reader', () => {
  test('token is the first column, label the last; blank lines end sentences; line numbers kept', () => {
    const s = parseConll('EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n\n \t \nPeter NNP B-NP B-PER\n', 'f', 'labelled');
    assert.deepEqual(s, [
      { tokens: ['EU', 'rejects'], labels: ['B-ORG', 'O'], line: 1 },
      { tokens: ['Peter'], labels: ['B-PER'], line: 6 },
    ]);
  });

  test('tabs, runs of spaces, CRLF and a leading BOM are accepted', () => {
    const s = parseConll('\uFEFFa\tB-PER\r\nb   I-PER\r\n\r\nc \t O\r\n', 'f', 'labelled');
    assert.deepEqual(s.map((x) => [x.tokens, x.labels]), [
      [['a', 'b'], ['B-PER', 'I-PER']],
      [['c'], ['O']],
    ]);
  });

  test('U+FEFF and U+200B inside tokens are kept: columns split on space and tab only', () => {
    const s = parseConll('a\u200Bb O\n\uFEFF\uFEFFx O\n\u3000 O\n', 'f', 'labelled');
    assert.deepEqual(s[0]!.tokens, ['a\u200Bb', '\uFEFF\uFEFFx', '\u3000']);
  });

  test('-DOCSTART- lines are skipped and end a sentence', () => {
    const s = parseConll('-DOCSTART- -X- -X- O\na O\n-DOCSTART- -X- -X- O\nb O\n', 'f', 'labelled');
    assert.deepEqual(s.map((x) => x.tokens), [['a'], ['b']]);
  });

  test('prediction files give gold (second to last) and predicted (last) labels', () => {
    const s = parseConll('w POS B-PER I-PER\n', 'f', 'predictions');
    assert.deepEqual(s[0], { tokens: ['w'], labels: ['B-PER'], predictions: ['I-PER'], line: 1 });
  });

  test('malformed lines are rejected with file:line, what is wrong and what to do', () => {
    rejects('a O\nb\n', 'labelled', 'in.txt:2: found 1 column, expected at least 2: a token and a label (token first, label last), separated by spaces or tabs; is this file unlabelled?');
    rejects('a B_PER\n', 'labelled', "in.txt:1: bad label: label 'B_PER' separates prefix and type with '_'; write 'B-PER'");
    rejects('a O\n\nb X-PER\n', 'labelled', "in.txt:3: bad label: label 'X-PER' has unknown prefix 'X'; expected 'O' or a prefix B/I/E/S/M/L/U, '-', and a type (e.g. B-PER)");
    rejects('a PER-B\n', 'labelled', "in.txt:1: bad label: label 'PER-B' puts the prefix last; write 'B-PER'");
    rejects('a B-\n', 'labelled', "in.txt:1: bad label: label 'B-' has no entity type; expected 'O' or a prefix B/I/E/S/M/L/U, '-', and a type (e.g. B-PER)");
    rejects('a PER\n', 'labelled', "in.txt:1: bad label: label 'PER' has no prefix; expected 'O' or a prefix B/I/E/S/M/L/U, '-', and a type (e.g. B-PER)");
    rejects('a b-per\n', 'labelled', "in.txt:1: bad label: label 'b-per' has a lower-case prefix; write 'B-per'");
    rejects('a X O\nb O\n', 'labelled', 'in.txt:2: found 2 columns but line 1 has 3; every token line needs the same columns');
    rejects('a O O\nb O x\n', 'predictions', "in.txt:2: bad predicted label: label 'x' has no prefix; expected 'O' or a prefix B/I/E/S/M/L/U, '-', and a type (e.g. B-PER)");
    rejects('a O\rb O\n', 'labelled', 'in.txt:1: carriage return (CR) inside a line; convert the file to LF or CRLF line endings');
  });

  test('files: missing file, invalid UTF-8 and empty corpora are clear errors', async () => {
    const dir = tempDir();
    await assert.rejects(readCorpus(join(dir, 'nope.txt'), 'labelled'), { message: `${join(dir, 'nope.txt')}: no such file` });
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, Buffer.concat([Buffer.from('a O\nb O\n'), Buffer.from([0xff, 0x20, 0x4f, 0x0a])]));
    await assert.rejects(readCorpus(bad, 'labelled'), { message: `${bad}:3: not valid UTF-8 text; re-encode the file as UTF-8` });
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n\n-DOCSTART- O\n\n');
    await assert.rejects(readCorpus(empty, 'labelled'), /empty\.txt: no sentences found/);
  });

  test('files are streamed: the first sentence arrives without reading the rest of a large file', async () => {
    const dir = tempDir();
    const big = join(dir, 'big.txt');
    const filler = 'x O\n'.repeat(1 << 19); // 2 MiB, two read chunks, of one long sentence after the first
    writeFileSync(big, Buffer.concat([Buffer.from('first B-PER\n\n'), Buffer.from(filler), Buffer.from([0xff, 0x0a])]));
    const it = readConll(big, 'labelled');
    const first = await it.next();
    assert.deepEqual(first.value?.tokens, ['first']);
    await it.return(undefined);
    // Reading on reaches the bad byte at its true line.
    await assert.rejects(readCorpus(big, 'labelled'), { message: `${big}:${3 + (1 << 19)}: not valid UTF-8 text; re-encode the file as UTF-8` });
  });

  test('file and in-memory parsing agree (BOM, CRLF, final line without newline)', async () => {
    const text = '\uFEFFa B-PER\r\nb I-PER\r\n\r\nc O';
    const file = join(tempDir(), 'f.txt');
    writeFileSync(file, text);
    const streamed = [];
    for await (const s of readConll(file, 'labelled')) streamed.push(s);
    assert.deepEqual(streamed, parseConll(text, file, 'labelled'));
  });

  test('the writer emits what the reader reads back, and refuses tokens with whitespace', () => {
    const text = formatConllSentence(['a', 'b'], [['B-PER', 'I-PER'], ['B-PER', 'O']]);
    assert.equal(text, 'a B-PER B-PER\nb I-PER O\n\n');
    assert.deepEqual(parseConll(text, 'f', 'predictions')[0]!.predictions, ['B-PER', 'O']);
    assert.throws(() => formatConllSentence(['a b'], [['O']]), /cannot be written/);
  });
});

describe('real corpora (../shared/data)', () => {
  test('CoNLL-2003 train.txt has 14,041 sentences and 203,621 tokens (-DOCSTART- lines skipped)', { skip: needsShared('data') }, async () => {
    const s = await readCorpus(shared('data', 'conll2003', 'train.txt')!, 'labelled');
    assert.equal(s.length, 14041);
    assert.equal(s.reduce((n, x) => n + x.tokens.length, 0), 203621);
  });

  test("People's Daily test.txt has 4,636 sentences and 219,197 characters", { skip: needsShared('data') }, async () => {
    const s = await readCorpus(shared('data', 'peoples-daily', 'test.txt')!, 'labelled');
    assert.equal(s.length, 4636);
    assert.equal(s.reduce((n, x) => n + x.tokens.length, 0), 219197);
  });
});
