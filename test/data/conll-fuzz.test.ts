import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConll, readCorpus, type ColumnLayout, type Sentence } from '../../src/data/conll.js';
import { parseLabel } from '../../src/data/labels.js';
import { InputError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { runCli, tempDir } from '../helpers.js';

const LABELS = ['O', 'B-PER', 'I-PER', 'E-LOC', 'S-ORG', 'M-X', 'L-Y', 'U-Z', 'B-LOC-GPE'];
const BAD_LABELS = ['B_PER', 'X-PER', 'PER', 'b-per', 'B-', '', 'o', '0', 'PER-B', 'B:PER', '-', 'I--'];
const ODD_TOKENS = ['\u200B', '\uFEFF', '\u3000', 'a\u0301', '😀', '\u0000', '-DOCSTART-', '中文', 'x'.repeat(3000), '"', '\\'];
const SEPARATORS = [' ', '\t', '  ', ' \t '];

/** One line of a mostly plausible, often malformed CoNLL file. */
function randomLine(rng: Rng, columns: number): string {
  const r = rng.next();
  if (r < 0.1) return rng.pick(['', ' ', '\t', ' \t ', '\r']);
  if (r < 0.13) return '-DOCSTART- -X- -X- O';
  const n = r < 0.2 ? rng.int(6) : columns;
  const cols: string[] = [];
  for (let c = 0; c < n; c++) {
    const last = c >= n - 2;
    if (last && rng.next() < 0.85) cols.push(rng.next() < 0.1 ? rng.pick(BAD_LABELS) : rng.pick(LABELS));
    else cols.push(rng.next() < 0.2 ? rng.pick(ODD_TOKENS) : rng.pick(['EU', 'rejects', '北京', 'NNP', 'B-NP']));
  }
  let line = cols.map((c, i) => (i === 0 ? c : rng.pick(SEPARATORS) + c)).join('');
  if (rng.next() < 0.05) line = ' ' + line;
  if (rng.next() < 0.1) line += '\r';
  if (rng.next() < 0.02) line = line.slice(0, rng.int(line.length + 1)) + '\r' + line.slice(rng.int(line.length + 1));
  return line;
}

function randomText(rng: Rng): string {
  const columns = 1 + rng.int(4);
  const lines = Array.from({ length: rng.int(30) }, () => randomLine(rng, columns));
  return (rng.next() < 0.1 ? '\uFEFF' : '') + lines.join('\n') + (rng.next() < 0.5 ? '\n' : '');
}

/** Byte-level damage: invalid UTF-8, truncated sequences, stray bytes. */
function damage(rng: Rng, bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  const hits = rng.int(3);
  const parts: Buffer[] = [out];
  for (let h = 0; h < hits; h++) {
    const at = rng.int(out.length + 1);
    const junk = Buffer.from(rng.pick([[0xff], [0xc3], [0xe4, 0xb8], [0x80], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80]]));
    const whole = Buffer.concat(parts);
    parts.length = 0;
    parts.push(Buffer.concat([whole.subarray(0, at), junk, whole.subarray(at)]));
  }
  return parts[0]!;
}

function checkOutcome(outcome: Sentence[] | unknown, file: string, layout: ColumnLayout, lineCount: number, context: string) {
  if (Array.isArray(outcome)) {
    for (const s of outcome as Sentence[]) {
      assert.ok(s.tokens.length > 0, `empty sentence; ${context}`);
      assert.ok(s.line >= 1 && s.line <= lineCount, `line ${s.line}; ${context}`);
      for (const t of s.tokens) assert.ok(t.length > 0 && !/[ \t\r\n]/.test(t), `token ${JSON.stringify(t)}; ${context}`);
      if (layout !== 'tokens') {
        assert.equal(s.labels.length, s.tokens.length, context);
        for (const l of [...s.labels, ...(s.predictions ?? [])]) assert.equal(typeof parseLabel(l), 'object', `label ${l}; ${context}`);
      }
    }
    return;
  }
  assert.ok(outcome instanceof InputError, `not an InputError: ${String((outcome as Error)?.stack ?? outcome)}; ${context}`);
  assert.ok(outcome.message.startsWith(`${file}:`), `message names the file: ${outcome.message}`);
  if (outcome.line !== undefined) assert.ok(outcome.line >= 1 && outcome.line <= lineCount + 1, `line ${outcome.line} of ${lineCount}; ${context}`);
  assert.ok(!/\n|    at /.test(outcome.message), 'one line, no stack');
}

const LAYOUTS: ColumnLayout[] = ['tokens', 'labelled', 'predictions'];

test('2,000 random malformed texts end in a clean file:line error or a valid parse', () => {
  const rng = new Rng(99);
  let errors = 0;
  for (let n = 0; n < 2000; n++) {
    const text = randomText(rng);
    const layout = rng.pick(LAYOUTS);
    let outcome: unknown;
    try {
      outcome = parseConll(text, 'fuzz.txt', layout);
    } catch (err) {
      outcome = err;
      errors++;
    }
    checkOutcome(outcome, 'fuzz.txt', layout, text.split('\n').length, `case ${n} ${layout}: ${JSON.stringify(text).slice(0, 300)}`);
  }
  assert.ok(errors > 500 && errors < 1900, `the generator exercises both outcomes (${errors} errors)`);
});

test('400 random damaged files (invalid UTF-8 included) end in a clean file:line error or a valid parse', async () => {
  const rng = new Rng(100);
  const dir = tempDir();
  for (let n = 0; n < 400; n++) {
    const file = join(dir, `f${n}.txt`);
    const bytes = damage(rng, Buffer.from(randomText(rng)));
    writeFileSync(file, bytes);
    const layout = rng.pick(LAYOUTS);
    const outcome = await readCorpus(file, layout).catch((err: unknown) => err);
    const lineCount = bytes.toString('latin1').split('\n').length;
    // readCorpus also rejects a file without sentences: that is an InputError too.
    checkOutcome(outcome, file, layout, lineCount, `file ${n} ${layout}`);
  }
});

test('through the CLI, malformed prediction files exit 2 with one file:line message and no stack trace', () => {
  const rng = new Rng(101);
  const dir = tempDir();
  let rejected = 0;
  for (let n = 0; n < 12; n++) {
    const file = join(dir, `p${n}.txt`);
    writeFileSync(file, damage(rng, Buffer.from(randomText(rng))));
    const r = runCli(['eval', '--predictions', file]);
    if (r.code === 0) continue;
    rejected++;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^ner: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+)?: `));
    assert.doesNotMatch(r.stderr, /    at /);
  }
  assert.ok(rejected > 0);
});
