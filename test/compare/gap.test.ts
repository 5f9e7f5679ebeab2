import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gapSection, gapTrends } from '../../src/compare/gap.js';
import type { RunRecord } from '../../src/compare/run.js';

/** A run with dev F1 scored at steps 10, 20, 30 (the first two between epochs, the last at the epoch end). */
function run(setup: string, seed: number, f1: number[]): RunRecord {
  return {
    setup,
    seed,
    status: 'ok',
    epochs: [{ epoch: 1, step: 30, dev_f1: f1[2]! }],
    dev_points: [{ step: 10, dev_f1: f1[0]! }, { step: 20, dev_f1: f1[1]! }],
    loss_curve: [],
    test: { precision: 0, recall: 0, f1: 0 },
    outside_fraction: 0.9,
    drift: 0.01,
    steps: 30,
    wall_seconds: 1,
    tokens_per_second: 1,
    settings: {},
  };
}

const records: RunRecord[] = [
  run('best', 1, [0.5, 0.7, 0.8]), run('best', 2, [0.5, 0.7, 0.8]),
  run('best', 3, [0.9, 0.9, 0.9]), // a seed no other setup ran: left out of every gap
  run('slow', 1, [0.1, 0.4, 0.7]), run('slow', 2, [0.1, 0.5, 0.75]), // behind 40, 25, 7.5: closing
  run('stuck', 1, [0.0, 0.0, 0.0]), // behind 50, 70, 80: widening
  run('level', 1, [0.4, 0.6, 0.702]), // behind 10, 10, 9.8: steady
  { ...run('broken', 1, [0.9, 0.9, 0.9]), status: 'failed' as const },
];

test('gap trends: how far each setup trails the best per step (mean over the seeds both ran), and whether it closes over the last third', () => {
  const byName = Object.fromEntries(gapTrends(records, 'best', ['best', 'slow', 'stuck', 'level', 'broken']).map((t) => [t.setup, t]));
  assert.deepEqual(byName.slow!.behind.map((b) => [b.step, Number(b.points!.toFixed(6))]), [[10, 40], [20, 25], [30, 7.5]]);
  // ⅔ of 30 steps is step 20: the change is measured from there.
  assert.equal(byName.slow!.fromStep, 20);
  assert.ok(Math.abs(byName.slow!.lastThirdChange! - -17.5) < 1e-9);
  assert.equal(byName.slow!.verdict, 'closing');
  assert.equal(byName.stuck!.verdict, 'widening');
  assert.equal(byName.level!.verdict, 'steady', 'a change under half a point is steady');
  assert.deepEqual(byName.broken!.behind.map((b) => b.points), [null, null, null], 'failed runs have no curve');
  assert.equal(byName.broken!.verdict, 'unknown');
  assert.ok(!('best' in byName), 'the best setup is the yardstick, not a row');
});

test('gap section: a row per setup with a curve, the trend in words; none without dev points', () => {
  const md = gapSection(records, 'best', ['slow', 'stuck', 'broken']);
  assert.match(md, /\| setup \| step 10 \| step 20 \| step 30 \| trend at the end \|/);
  assert.match(md, /\| slow \| 40\.0 \| 25\.0 \| 7\.5 \| closing: -17\.5 since step 20 \|/);
  assert.match(md, /\| stuck \| 50\.0 \| 70\.0 \| 80\.0 \| widening: \+10\.0 since step 20 \|/);
  assert.doesNotMatch(md, /broken/);
  assert.equal(gapSection(records.filter((r) => r.setup === 'best'), 'best', ['best']), '');
});

test('gap section: at most 8 step columns, evenly spaced, the first and last among them', () => {
  const long = (setup: string, f1: number) => ({ ...run(setup, 1, [0, 0, 0]), epochs: [], dev_points: Array.from({ length: 20 }, (_, i) => ({ step: 10 * (i + 1), dev_f1: f1 })) });
  const md = gapSection([long('best', 0.8), long('slow', 0.5)], 'best', ['slow']);
  const header = md.split('\n').find((l) => l.startsWith('| setup |'))!;
  assert.deepEqual(header.match(/step \d+/g), ['step 10', 'step 40', 'step 60', 'step 90', 'step 120', 'step 150', 'step 170', 'step 200']);
  assert.match(md, /\| slow \| 30\.0 \| 30\.0 \| 30\.0 \| 30\.0 \| 30\.0 \| 30\.0 \| 30\.0 \| 30\.0 \| steady: 0\.0 since step 130 \|/);
});
