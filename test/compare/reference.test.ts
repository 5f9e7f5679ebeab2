import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompareConfig } from '../../src/compare/config.js';
import { compareWithReference, predictionInterval } from '../../src/compare/reference.js';
import { reportMarkdown, summarize } from '../../src/compare/report.js';
import type { RunRecord } from '../../src/compare/run.js';

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('prediction interval for one more run: mean ± t(0.975, n−1)·s·√(1 + 1/n) (scipy t quantiles); none from one run', () => {
  // xs 0.2, 0.3, 0.4: mean 0.3, s 0.1, t(0.975, 2) = 4.30265 → half-width 0.49687.
  const [lo, hi] = predictionInterval([0.2, 0.3, 0.4])!;
  close(lo, 0.3 - 0.49687, 1e-4);
  close(hi, 0.3 + 0.49687, 1e-4);
  // Two runs: t(0.975, 1) = 12.7062, s = 0.0707107, √1.5.
  const [lo2, hi2] = predictionInterval([0.25, 0.35])!;
  close(hi2 - lo2, 2 * 12.7062 * 0.0707107 * Math.sqrt(1.5), 1e-3);
  assert.equal(predictionInterval([0.3]), null);
});

test('reference verdict: within ±2 points; else inside the spread of our seeds; else differs', () => {
  assert.equal(compareWithReference([0.43, 0.45], { f1: 0.444 })!.verdict, 'within');
  assert.equal(compareWithReference([0.26, 0.29, 0.26], { f1: 0.329 })!.verdict, 'spread');
  assert.equal(compareWithReference([0.27, 0.271, 0.272], { f1: 0.329 })!.verdict, 'differs');
  const one = compareWithReference([0.015], { f1: 0.126, drift: 0.016 })!;
  assert.equal(one.verdict, 'differs');
  assert.equal(one.f1_interval, null);
  close(one.f1_delta, -0.111);
  assert.equal(one.reference_drift, 0.016);
  assert.equal(compareWithReference([], { f1: 0.1 }), null);
});

function run(setup: string, seed: number, f1: number): RunRecord {
  return { setup, seed, status: 'ok', epochs: [], loss_curve: [], dev_points: [], test: { precision: f1, recall: f1, f1 }, outside_fraction: 0.9, drift: 0.03, steps: 10, wall_seconds: 60, tokens_per_second: 400, settings: {} };
}

test('report "Against the reference": a row per setup with a reference, Δ, the 95% range, the verdict and the config\'s note', () => {
  const cfg: CompareConfig = {
    base: { model: 'm', train: 't' },
    seeds: [1],
    parallel: 2,
    referenceSource: 'baselines.md (PyTorch, seed 1)',
    setups: [
      { name: 'adamw', settings: { optimizer: 'adamw' }, reference: { f1: 0.444, drift: 0.04 } },
      { name: 'lookahead', settings: { optimizer: 'lookahead-adamw' }, seeds: [1, 2, 3], reference: { f1: 0.329 } },
      { name: 'radam', settings: { optimizer: 'torch-radam' }, reference: { f1: 0.126, note: 'Weight decay: see radam-no-decay.' } },
      { name: 'mine', settings: { optimizer: 'radam' } },
    ],
  };
  const rs = [run('adamw', 1, 0.439), run('lookahead', 1, 0.264), run('lookahead', 2, 0.291), run('lookahead', 3, 0.26), run('radam', 1, 0.015), run('mine', 1, 0.1)];
  const summaries = summarize(cfg, rs);
  assert.equal(summaries.find((s) => s.setup === 'mine')!.reference, null);
  const md = reportMarkdown(cfg, rs, summaries);
  assert.match(md, /seeds 1 \(1, 2, 3 for lookahead\)/);
  assert.match(md, /Reference: baselines\.md \(PyTorch, seed 1\)\./);
  assert.match(md, /\| adamw \| 43\.9 \(1 seed\) \| 44\.4 \| -0\.5 \| – \(1 seed\) \| 0\.030 \| 0\.040 \| within ±2 points \|/);
  assert.match(md, /\| lookahead \| 27\.2 ± 1\.7 \| 32\.9 \| -5\.7 \| 18\.\d–35\.\d \| 0\.030 \| – \| inside the spread of our seeds \|/);
  assert.match(md, /\| radam \| 1\.5 \(1 seed\) \| 12\.6 \| -11\.1 \| – \(1 seed\) \| 0\.030 \| – \| differs \(see below\) \|/);
  assert.match(md, /Ours is under the reference in 3 of 3 rows, over in 0; mean Δ -5\.8 points\./);
  assert.match(md, /- \*\*lookahead\*\*: 5\.7 points under the reference, but the reference's 32\.9 lies inside the 95% range of our 3 seeds\./);
  assert.match(md, /- \*\*radam\*\*: 11\.1 points under the reference, one seed each: no spread to judge the gap by\. Weight decay: see radam-no-decay\./);
  assert.doesNotMatch(md, /\| mine \|.*\| within|- \*\*adamw\*\*/);
});
