import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extractEntities } from '../../src/metrics/entities.js';
import { entityErrors, errorBreakdown } from '../../src/metrics/errors.js';
import { evaluateLabels } from '../../src/metrics/evaluate.js';
import { Rng } from '../../src/util/rng.js';
import { runCli, tempDir } from '../helpers.js';

test('each kind of entity error, as one would tabulate it by hand', () => {
  const gold = [['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'B-ORG', 'O', 'O']];
  const pred = [['B-PER', 'O', 'O', 'B-ORG', 'O', 'O', 'O', 'B-LOC']];
  const errors = entityErrors(extractEntities(gold, 'default'), extractEntities(pred, 'default'));
  assert.deepEqual(
    errors.map((e) => [e.kind, e.gold?.type ?? null, e.predicted?.type ?? null]),
    [['wrong_boundary', 'PER', 'PER'], ['wrong_type', 'LOC', 'ORG'], ['missed', 'ORG', null], ['spurious', null, 'LOC']],
  );
  assert.deepEqual(errorBreakdown(errors).LOC, { missed: 0, spurious: 1, wrong_type: 1, wrong_boundary: 0, wrong_type_and_boundary: 0 });
});

test('on random documents the errors reconcile with the scores: spurious + wrong = predicted − correct', () => {
  const rng = new Rng(3);
  const TAGS = ['O', 'O', 'B-X', 'I-X', 'B-Y', 'I-Y'];
  for (let n = 0; n < 500; n++) {
    const gold = Array.from({ length: 1 + rng.int(3) }, () => Array.from({ length: 1 + rng.int(10) }, () => rng.pick(TAGS)));
    const pred = gold.map((s) => s.map((t) => (rng.next() < 0.4 ? rng.pick(TAGS) : t)));
    const r = evaluateLabels(gold, pred, { mode: 'default' });
    const errors = entityErrors(extractEntities(gold, 'default'), extractEntities(pred, 'default'));
    const onPredicted = errors.filter((e) => e.predicted !== null).length;
    assert.equal(onPredicted, r.micro.predicted - r.micro.correct, JSON.stringify({ gold, pred }));
    for (const e of errors.filter((x) => x.kind === 'missed')) assert.ok(!extractEntities(pred, 'default').some((p) => p.sentence === e.sentence && p.start < e.gold!.end && e.gold!.start < p.end));
  }
});

test('ner eval --errors FILE writes the breakdown and every wrong entity with its sentence and file:line', () => {
  const dir = tempDir();
  const file = join(dir, 'pred.txt');
  writeFileSync(file, 'EU B-ORG B-ORG\nrejects O O\nGerman B-MISC B-LOC\n\nPeter B-PER B-PER\nBlackburn I-PER O\n');
  const out = join(dir, 'errors.txt');
  const r = runCli(['eval', '--predictions', file, '--errors', out]);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /^# 2 entity errors\ntype +missed +spurious +wrong_type +wrong_boundary +wrong_type_and_boundary\nMISC +0 +0 +1 +0 +0\nPER +0 +0 +0 +1 +0\ntotal/);
  assert.ok(text.includes(`${file}:1: EU rejects German\n  wrong_type               gold MISC "German" [2, 3)  predicted LOC "German" [2, 3)`));
  assert.ok(text.includes(`${file}:5: Peter Blackburn\n  wrong_boundary`));
});
