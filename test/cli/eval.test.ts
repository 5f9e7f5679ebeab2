import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixture, runCli, tempFile } from '../helpers.js';

const predictionsFile = (text: string) => tempFile(text);

describe('ner (CLI contract)', () => {
  test('--help lists the commands; --version prints the package version', () => {
    const help = runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /eval \[options\]/);
    assert.match(runCli(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('eval --help documents every flag with its default', () => {
    const r = runCli(['eval', '--help']);
    assert.equal(r.code, 0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const flag of ['--predictions <file>', '--mode <mode>', '--scheme <scheme>', '--digits <n>', '--json']) assert.ok(help.includes(flag), flag);
    assert.match(help, /default: "default"/);
    assert.match(help, /\(default: 4\)/);
    assert.match(help, /default: detected from the gold labels/);
  });

  test('bad usage exits 2 with a message, never a stack trace', () => {
    for (const args of [['eval'], ['eval', '--predictions', 'x', '--mode', 'loose'], ['eval', '--predictions', 'x', '--scheme', 'IOB9'], ['frobnicate'], ['eval', '--predictions', 'x', '--digits', '-1']]) {
      const r = runCli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^(error: |ner: )/m, args.join(' '));
      assert.doesNotMatch(r.stderr, /    at /);
    }
  });

  test('a missing file and a malformed line exit 2 naming file:line', () => {
    const missing = runCli(['eval', '--predictions', '/nonexistent/pred.txt']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'ner: /nonexistent/pred.txt: no such file\n');
    const bad = predictionsFile('a B-PER B-PER\nb I-PER\n');
    const r = runCli(['eval', '--predictions', bad]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^ner: ${bad}:2: found 2 columns`));
  });

  test('strict mode names the line of a label its scheme forbids', () => {
    const file = predictionsFile('a B-PER B-PER\nb I-PER I-PER\n\nc O S-PER\n');
    const r = runCli(['eval', '--predictions', file, '--mode', 'strict']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `ner: ${file}:4: label 'S-PER' is not valid in IOB2: allowed prefixes are O, B, I; pass the right --scheme, or use --mode default\n`);
  });

  test('strict vs default on an I- after O, in the report and in --json', () => {
    const file = predictionsFile('a B-PER O\nb I-PER I-PER\n');
    const def = JSON.parse(runCli(['eval', '--predictions', file, '--json']).stdout);
    const strict = JSON.parse(runCli(['eval', '--predictions', file, '--json', '--mode', 'strict', '--scheme', 'BIO']).stdout);
    assert.equal(def.micro.predicted, 1);
    assert.equal(strict.micro.predicted, 0);
    assert.equal(strict.scheme, 'IOB2');
    assert.equal(strict.mode, 'strict');
    assert.deepEqual(Object.keys(def).sort(), ['accuracy', 'macro', 'micro', 'mode', 'per_type', 'scheme', 'tokens', 'weighted']);
  });

  test('the text report opens with conlleval’s summary and lays rows out like seqeval', () => {
    const r = runCli(['eval', '--predictions', fixture('conlleval', 'edge-cases.txt'), '--digits', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'processed 11 tokens with 5 phrases; found: 6 phrases; correct: 1.');
    assert.equal(lines[1], 'accuracy: 45.45%; precision: 16.67%; recall: 20.00%; FB1: 18.18');
    assert.ok(lines.includes('              precision    recall  f1-score   support'));
    assert.ok(lines.includes('         ORG       0.50      0.50      0.50         2'));
    assert.ok(lines.includes('   micro avg       0.17      0.20      0.18         5'));
  });
});
