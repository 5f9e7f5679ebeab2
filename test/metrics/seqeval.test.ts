import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunks } from '../../src/data/chunks.js';
import type { Scheme } from '../../src/data/schemes.js';
import { extractEntities, type Mode } from '../../src/metrics/entities.js';
import { evaluateLabels } from '../../src/metrics/evaluate.js';
import type { Scores } from '../../src/metrics/score.js';
import { StrictSchemeError } from '../../src/metrics/strict.js';
import { readFixture } from '../helpers.js';

interface Expected {
  error?: string;
  entities_true: [number, string, number, number][];
  entities_pred: [number, string, number, number][];
  get_entities_true_flat?: [string, number, number][];
  get_entities_pred_flat?: [string, number, number][];
  per_type: { type: string; precision: number; recall: number; f1: number; support: number; tp: number; n_pred: number; n_true: number }[];
  micro: Scores;
  macro: (Scores & { is_nan?: boolean }) | null;
  weighted: Scores;
}
interface Case {
  id: string;
  mode: Mode;
  scheme: Scheme | null;
  y_true: string[][];
  y_pred: string[][];
  expected: Expected;
}

const cases = (JSON.parse(readFixture('seqeval.json')) as { cases: Case[] }).cases;

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-12, `${what}: ${actual} != ${expected}`);

function assertScores(actual: Scores, expected: Scores, what: string) {
  close(actual.precision, expected.precision, `${what} precision`);
  close(actual.recall, expected.recall, `${what} recall`);
  close(actual.f1, expected.f1, `${what} f1`);
  assert.equal(actual.support, expected.support, `${what} support`);
}

describe('seqeval reference cases (test/fixtures/seqeval.json)', () => {
  test('the fixture has cases', () => assert.ok(cases.length >= 40));

  for (const c of cases) {
    test(`${c.id} (${c.mode}${c.scheme ? ' ' + c.scheme : ''})`, () => {
      const scheme = c.scheme ?? undefined;
      if (c.expected.error) {
        assert.throws(() => extractEntities(c.y_true, c.mode, scheme), StrictSchemeError);
        return;
      }
      const asRows = (ents: ReturnType<typeof extractEntities>) => ents.map((e) => [e.sentence, e.type, e.start, e.end]);
      assert.deepEqual(asRows(extractEntities(c.y_true, c.mode, scheme)), c.expected.entities_true, 'entities_true');
      assert.deepEqual(asRows(extractEntities(c.y_pred, c.mode, scheme)), c.expected.entities_pred, 'entities_pred');

      const flat = (ys: string[][]) => chunks(ys.flatMap((s) => [...s, 'O'])).map((e) => [e.type, e.start, e.end - 1]);
      if (c.expected.get_entities_true_flat) assert.deepEqual(flat(c.y_true), c.expected.get_entities_true_flat);
      if (c.expected.get_entities_pred_flat) assert.deepEqual(flat(c.y_pred), c.expected.get_entities_pred_flat);

      const r = evaluateLabels(c.y_true, c.y_pred, { mode: c.mode, scheme });
      assert.deepEqual(Object.keys(r.perType), c.expected.per_type.map((t) => t.type), 'types, sorted');
      for (const t of c.expected.per_type) {
        const row = r.perType[t.type]!;
        assertScores(row, t, t.type);
        assert.equal(row.correct, t.tp, `${t.type} tp`);
        assert.equal(row.predicted, t.n_pred, `${t.type} n_pred`);
      }
      assertScores(r.micro, c.expected.micro, 'micro');
      assertScores(r.weighted, c.expected.weighted, 'weighted');
      if (c.expected.macro === null || c.expected.macro.is_nan) {
        assert.ok(Number.isNaN(r.macro.precision) && Number.isNaN(r.macro.f1), 'macro is NaN without types');
      } else {
        assertScores(r.macro, c.expected.macro, 'macro');
      }
    });
  }
});
