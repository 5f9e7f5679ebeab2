import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers.js';

const dir = tempDir();
const input = join(dir, 'in.txt');
writeFileSync(input, '-DOCSTART- -X- O\n\n中\tNR  B-ORG\n国\tNR  I-ORG\n银\tNR  I-ORG\n王\tNR  B-PER\n\n好 VA O\n');

test('ner convert --scheme BMES re-encodes only the label column; other columns, separators and lines stay', () => {
  const out = join(dir, 'bmes.txt');
  const r = runCli(['convert', '--scheme', 'BMES', input, out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(out, 'utf8'), '-DOCSTART- -X- O\n\n中\tNR  B-ORG\n国\tNR  M-ORG\n银\tNR  E-ORG\n王\tNR  S-PER\n\n好 VA O\n');
  assert.match(r.stderr, /2 sentences from IOB2 to BMES, 3 labels changed/);
  const back = join(dir, 'back.txt');
  assert.equal(runCli(['convert', '--scheme', 'BIO', out, back, '--quiet']).stderr, '');
  assert.equal(readFileSync(back, 'utf8'), readFileSync(input, 'utf8'), 'lossless round trip');
});

test('ner convert never overwrites a file, and a bad label names file:line', () => {
  const r = runCli(['convert', '--scheme', 'IOBES', input, input]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /already exists; ner convert never overwrites a file \(it is the input\)/);
  const bad = join(dir, 'bad.txt');
  writeFileSync(bad, 'a B-X\nb I_X\n');
  const b = runCli(['convert', '--scheme', 'IOBES', bad, join(dir, 'bad-out.txt')]);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /bad\.txt:2: bad label/);
});
