import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompareConfig } from '../../src/compare/config.js';
import { reportMarkdown, summarize } from '../../src/compare/report.js';
import { resumedFrom, type RunRecord } from '../../src/compare/run.js';

/** The "why" paragraph of one setup in a report. */
const sectionOf = (md: string, name: string) => md.split(`### ${name}:`)[1]?.split('###')[0] ?? '';

function run(setup: string, seed: number, f1: number, drift: number, outside: number): RunRecord {
  return {
    setup,
    seed,
    status: 'ok',
    epochs: [{ epoch: 1, step: 10, train_loss: 5, dev_f1: f1 }],
    loss_curve: [{ step: 10, loss: 5 }],
    dev_points: [],
    test: { precision: f1, recall: f1, f1 },
    outside_fraction: outside,
    drift,
    steps: 10,
    wall_seconds: 60,
    tokens_per_second: 400,
    settings: {},
  };
}

const cfg: CompareConfig = {
  base: { model: 'm', train: 't', epochs: 2, lr: 2e-4, headLr: 2e-3 },
  seeds: [1, 2],
  parallel: 2,
  setups: [
    { name: 'adamw', settings: { optimizer: 'adamw' } },
    { name: 'radam', settings: { optimizer: 'radam' } },
    { name: 'la-init', settings: { optimizer: 'lookahead-adamw', lookaheadSlowWeights: 'init' } },
    { name: 'bert', settings: { optimizer: 'bert-adamw' } },
    { name: 'close', settings: { optimizer: 'adam' } },
    { name: 'slower', settings: { optimizer: 'lookahead-adamw' } },
    { name: 'head-1x', settings: { optimizer: 'adamw', headLr: 2e-4 } },
  ],
};

const records = [
  run('adamw', 1, 0.4, 0.04, 0.9), run('adamw', 2, 0.5, 0.04, 0.9),
  run('radam', 1, 0.1, 0.01, 0.99), run('radam', 2, 0.1, 0.01, 0.99),
  run('la-init', 1, 0.2, 0.5, 0.95), run('la-init', 2, 0.2, 0.5, 0.95),
  run('bert', 1, 0.0, 0.1, 1), run('bert', 2, 0.0, 0.1, 1),
  run('close', 1, 0.44, 0.05, 0.9), run('close', 2, 0.44, 0.05, 0.9),
  run('slower', 1, 0.4, 0.03, 0.9), run('slower', 2, 0.4, 0.03, 0.9),
  run('head-1x', 1, 0.0, 0.06, 1), run('head-1x', 2, 0.0, 0.06, 1),
];

test('report: mean ± std over seeds per setup and a row per run', () => {
  const summaries = summarize(cfg, records);
  const adamw = summaries.find((s) => s.setup === 'adamw')!;
  assert.ok(Math.abs(adamw.f1_mean! - 0.45) < 1e-12);
  assert.ok(Math.abs(adamw.f1_std! - Math.sqrt(0.005)) < 1e-12, 'sample standard deviation');
  const md = reportMarkdown(cfg, records, summaries);
  assert.match(md, /\| adamw \| 45\.0 ± 7\.1 \| 50\.0 \| 0\.040 \| 90\.0% \| 60 s \|/);
  assert.match(md, /\| radam \| 2 \| 10\.0 \| 10\.0 \| 0\.010 \| 99\.0% \| 10 \| 400 \| 60 s \|/);
});

test('report "why": each setup more than 2 points under the best gets the cause its measurements and mechanism point to, collapsed or not; one within 2 points gets none', () => {
  const md = reportMarkdown(cfg, records, summarize(cfg, records));
  const section = (name: string) => sectionOf(md, name);
  assert.match(md, /Best: \*\*adamw\*\*/);
  assert.match(section('radam'), /barely left the checkpoint: mean relative drift 0\.010 against 0\.040/);
  assert.match(section('radam'), /rectification/);
  assert.match(section('la-init'), /moved far from the checkpoint/);
  assert.match(section('la-init'), /slow weights from the encoder's random initialisation, not from the loaded checkpoint/);
  assert.match(section('bert'), /no bias correction: .* 3\.16× at step 1/);
  assert.match(section('bert'), /predicts O for 100\.0% of test tokens/);
  assert.equal(section('close'), '', 'a setup 1 point under the best needs no cause');
  assert.match(section('slower'), /^ 40\.0 \(89% of the best\)[\s\S]*α = 0\.5 of the way/, 'not collapsed, but 5 points under: explained');
  assert.match(section('head-1x'), /head lr 0\.0002, encoder lr 0\.0002/);
  assert.match(section('head-1x'), /Settings that differ from adamw's: headLr 0\.0002 \(adamw: 0\.002\)\./);
  assert.match(section('la-init'), /lookaheadSlowWeights "init" \(adamw: "start"\)/);
  assert.doesNotMatch(section('radam'), /head lr/, 'the head at 10× the encoder: no head-lr cause');
});

test('report "why": a diagnostic ablation that costs less than 20% is still explained; one seed shows no spread', () => {
  const small: CompareConfig = {
    ...cfg,
    seeds: [1],
    setups: [
      { name: 'lookahead', settings: { optimizer: 'lookahead-adamw' } },
      { name: 'lookahead-init', settings: { optimizer: 'lookahead-adamw', lookaheadSlowWeights: 'init', optimizerOptions: { alpha: 0.5 } } },
      { name: 'random', settings: { optimizer: 'adamw', encoderWeights: 'random' } },
    ],
  };
  const rs = [run('lookahead', 1, 0.27, 0.028, 0.91), run('lookahead-init', 1, 0.24, 0.51, 0.91), run('random', 1, 0.25, 0.06, 0.91)];
  const md = reportMarkdown(small, rs, summarize(small, rs));
  const section = (name: string) => sectionOf(md, name);
  assert.match(md, /No setup collapsed/);
  assert.match(section('lookahead-init'), /89% of the best/);
  assert.match(section('lookahead-init'), /pulled α = 0\.5 of the way to a random model/);
  assert.match(section('random'), /no pretraining/);
  assert.match(md, /\| lookahead \| 27\.0 \(1 seed\) \|/);
});

test('report "why": an ablation is measured against the setup that differs from it only in the ablated setting, not against a best with another optimizer', () => {
  const grid: CompareConfig = {
    ...cfg,
    seeds: [1],
    setups: [
      { name: 'bert', settings: { optimizer: 'bert-adamw' } },
      { name: 'adamw', settings: { optimizer: 'adamw' } },
      { name: 'random', settings: { optimizer: 'adamw', encoderWeights: 'random' } },
      { name: 'la', settings: { optimizer: 'lookahead-adamw' } },
      { name: 'la-init', settings: { optimizer: 'lookahead-adamw', lookaheadSlowWeights: 'init' } },
      { name: 'la-rm', settings: { optimizer: 'lookahead-adamw', lookaheadSlowWeights: 'random-matrices' } },
      { name: 'random-bert-lr', settings: { optimizer: 'bert-adamw', encoderWeights: 'random', lr: 1e-3 } },
    ],
  };
  const rs = [run('bert', 1, 0.81, 0.13, 0.89), run('adamw', 1, 0.79, 0.08, 0.89), run('random', 1, 0.76, 0.11, 0.89), run('la', 1, 0.71, 0.05, 0.89), run('la-init', 1, 0.707, 0.51, 0.89), run('la-rm', 1, 0.72, 0.51, 0.89), run('random-bert-lr', 1, 0.5, 0.2, 0.89)];
  const md = reportMarkdown(grid, rs, summarize(grid, rs));
  const section = (name: string) => sectionOf(md, name);
  assert.match(md, /Best: \*\*bert\*\*/);
  assert.match(section('random'), /the gap to adamw, the same setup from the checkpoint, is what the checkpoint is worth/);
  assert.match(section('random'), /Against adamw, which differs only in encoderWeights "random" \(adamw: "checkpoint"\): 76\.0 against 79\.0 \(means over 1 and 1 seeds\), -3\.0 points/);
  assert.match(section('la-init'), /Against la, which differs only in lookaheadSlowWeights "init" \(la: "start"\): 70\.7 against 71\.0 .*-0\.3 points/);
  assert.match(section('la-rm'), /Against la, .*\+1\.0 points/, 'another ablation ranked above the control is not the control');
  assert.doesNotMatch(section('random-bert-lr'), /Against /, 'no setup differs from it in the ablation alone: no control row');
  assert.match(section('random-bert-lr'), /the gap to a setup that differs only in this is what the checkpoint is worth/);
});

test('report of a grid still running: setups with no finished run say so, and the runs still to run are listed', () => {
  const done = records.filter((r) => r.setup === 'adamw');
  const pending = [{ setup: 'radam', seed: 1 }, { setup: 'radam', seed: 2 }];
  const md = reportMarkdown(cfg, done, summarize(cfg, done), pending);
  assert.match(md, /^# Optimizer comparison\n\n\*\*Partial:\*\* 2 of the grid's runs are still to run/);
  assert.match(md, /\| radam \| not run yet \| – \| – \| – \| – \|/);
  assert.match(md, /## Still to run\n\n- radam seed 1\n- radam seed 2\n$/);
  assert.doesNotMatch(reportMarkdown(cfg, done, summarize(cfg, done)), /Partial|Still to run/, 'a finished grid says neither');
  // Nothing finished, one run failed: its reason is still reported, and it is marked among the runs to retry.
  const failed = [{ ...run('radam', 1, 0, 0, 0), status: 'failed' as const, error: 'out of memory' }];
  const none = reportMarkdown(cfg, failed, summarize(cfg, failed), [{ setup: 'radam', seed: 1, failed: true }]);
  assert.match(none, /No run finished\.\n\n## Failed runs\n\n- radam seed 1: out of memory\n\n## Still to run\n\n- radam seed 1 \(failed before: the next run of the grid retries it\)\n$/);
});

test("report: a resumed run's time is marked as its last part and left out of the time per run", () => {
  const rs = [run('adamw', 1, 0.4, 0.04, 0.9), { ...run('adamw', 2, 0.5, 0.04, 0.9), wall_seconds: 20, resumed_from_step: 450 }];
  const summaries = summarize(cfg, rs);
  assert.equal(summaries.find((s) => s.setup === 'adamw')!.wall_seconds_mean, 60);
  const md = reportMarkdown(cfg, rs, summaries);
  assert.match(md, /\| adamw \| 2 \| 50\.0 \| .* \| 20 s \(from step 450: resumed\) \|/);
  assert.match(md, /\| adamw \| 45\.0 ± 7\.1 \| 50\.0 \| 0\.040 \| 90\.0% \| 60 s \|/);
});

test('resumedFrom: the step of ner train\'s resume line, null for a run from scratch', () => {
  assert.equal(resumedFrom('ner train: backend wasm\nresuming /runs/a/seed-1 at step 450 (epoch 1, batch 450/666)\nepoch 1/2'), 450);
  assert.equal(resumedFrom('ner train: backend wasm\nepoch 1/2 10/666 loss 9.1'), null);
});

test('report: the gap section follows the "why" paragraphs, and RAdam\'s rectification is quantified over the runs\' own steps', () => {
  const md = reportMarkdown(cfg, records, summarize(cfg, records));
  assert.match(md, /## Why[\s\S]*## Does the gap close with more steps\?\n[\s\S]*\| radam \| 35\.0 \| – \(too few points\) \|/);
  assert.match(md, /### radam:[\s\S]*Over this run's 10 steps \(β2 0\.999\)/);
});
