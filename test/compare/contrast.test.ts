import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CompareConfig } from '../../src/compare/config.js';
import { contrast, contrastSection, needingSeeds, pooledSpread } from '../../src/compare/contrast.js';
import { contrasts, reportMarkdown, summarize } from '../../src/compare/report.js';
import type { RunRecord } from '../../src/compare/run.js';

function run(setup: string, seed: number, f1: number): RunRecord {
  return {
    setup, seed, status: 'ok',
    epochs: [{ epoch: 1, step: 10, train_loss: 5, dev_f1: f1 }],
    loss_curve: [], dev_points: [], test: { precision: f1, recall: f1, f1 },
    outside_fraction: 0.9, drift: 0.05, steps: 10, wall_seconds: 60, tokens_per_second: 400, settings: {},
  };
}

const grid = (setups: [string, Record<string, unknown>, number[]][]): { cfg: CompareConfig; records: RunRecord[] } => ({
  cfg: { base: { model: 'm', train: 't' }, seeds: [1, 2, 3], parallel: 1, setups: setups.map(([name, settings]) => ({ name, settings })) },
  records: setups.flatMap(([name, , f1s]) => f1s.map((f1, i) => run(name, i + 1, f1))),
});

const summariesOf = (setups: [string, Record<string, unknown>, number[]][]) => {
  const { cfg, records } = grid(setups);
  return summarize(cfg, records);
};

test('pooledSpread: one-way ANOVA error term, Σ(nᵢ − 1)sᵢ² / Σ(nᵢ − 1), over the setups with 2 or more seeds', () => {
  const summaries = summariesOf([['a', {}, [0.8, 0.81, 0.82]], ['b', {}, [0.7, 0.74]], ['c', {}, [0.5]]]);
  // a: 2 df, s² = 1e-4; b: 1 df, s² = 8e-4; c adds nothing.
  const pooled = pooledSpread(summaries)!;
  assert.equal(pooled.df, 3);
  assert.ok(Math.abs(pooled.sd - Math.sqrt((2 * 1e-4 + 8e-4) / 3)) < 1e-12);
  assert.equal(pooledSpread(summariesOf([['a', {}, [0.8]], ['b', {}, [0.7]]])), null);
});

test('contrast: Δ ± t(0.975, df)·s_p·√(1/n₁ + 1/n₂), settled only when the interval excludes 0', () => {
  const summaries = summariesOf([['hi', {}, [0.8, 0.81, 0.82]], ['close', {}, [0.785, 0.795, 0.805]], ['far', {}, [0.77, 0.78, 0.79]]]);
  const [hi, close, far] = summaries;
  const pooled = pooledSpread(summaries)!;
  assert.equal(pooled.df, 6);
  // s_p = 0.01 (every side's s is), t(0.975, 6) = 2.447.
  const half = 2.447 * 0.01 * Math.sqrt(2 / 3);
  const open = contrast(hi!, close!, 'best', pooled);
  assert.ok(Math.abs(open.delta - 0.015) < 1e-12);
  assert.ok(Math.abs(open.interval![0] - (0.015 - half)) < 1e-9 && Math.abs(open.interval![1] - (0.015 + half)) < 1e-9);
  assert.equal(open.verdict, 'open', 'a 1.5-point gap with a ±2.0-point interval includes 0');
  const settled = contrast(hi!, far!, 'best', pooled);
  assert.ok(settled.interval![0] > 0);
  assert.equal(settled.verdict, 'settled');
  assert.deepEqual(settled.seeds, [3, 3]);
});

test('contrast: a one-seed side gets the pooled interval widened by √(1/1); with no spread anywhere every difference is open; needingSeeds names the setups under 3 seeds in open contrasts', () => {
  const summaries = summariesOf([['a', {}, [0.8, 0.8, 0.81]], ['b', {}, [0.79]], ['c', {}, [0.5, 0.51]]]);
  const [a, b, c] = summaries;
  const pooled = pooledSpread(summaries)!;
  const ab = contrast(a!, b!, 'control', pooled);
  const half = 3.182 * pooled.sd * Math.sqrt(1 / 3 + 1);
  assert.ok(Math.abs(ab.interval![1] - ab.delta - half) < 1e-9);
  assert.equal(ab.verdict, 'open');
  const ac = contrast(a!, c!, 'best', pooled);
  assert.equal(ac.verdict, 'settled');
  assert.deepEqual(needingSeeds([ab, ac]), ['b'], 'a has 3 seeds already; c is only in a settled contrast');
  const md = contrastSection([ab, ac], pooled);
  assert.match(md, /pooled over every setup \(one-way ANOVA's error term\), is 0\.6 points on 3 degrees of freedom/);
  assert.match(md, /\| a \| b \| ablation against its control \| 1\.3 \| -1\.\d to 3\.\d \| 3 vs 1 \| open \|/);
  assert.match(md, /1 of 2 open\. To settle them, give b 3 seeds/);
  const none = contrast(b!, c!, 'neighbour', null);
  assert.equal(none.interval, null);
  assert.equal(none.verdict, 'open');
});

test('contrast: a difference still open with 3 seeds a side is called a tie, not sent for more seeds', () => {
  const summaries = summariesOf([['a', {}, [0.8, 0.81, 0.82]], ['b', {}, [0.8, 0.805, 0.81]]]);
  const pooled = pooledSpread(summaries);
  const md = contrastSection([contrast(summaries[0]!, summaries[1]!, 'neighbour', pooled)], pooled);
  assert.doesNotMatch(md, /To settle them/);
  assert.match(md, /1 is open with 3 seeds a side: within the seeds' noise, so read that pair as tied/);
});

test('contrasts: each setup against the best, an ablation against its control (not ranked among the others), and ranking neighbours, each pair once; report.md lists them before "why"', () => {
  const { cfg, records } = grid([
    ['adamw', { optimizer: 'adamw' }, [0.8, 0.81]],
    ['la', { optimizer: 'lookahead-adamw' }, [0.7, 0.71]],
    ['la-init', { optimizer: 'lookahead-adamw', lookaheadSlowWeights: 'init' }, [0.695, 0.705]],
    ['radam', { optimizer: 'radam' }, [0.6, 0.61]],
  ]);
  const summaries = summarize(cfg, records);
  const list = contrasts(cfg, summaries);
  const pairs = list.map((c) => `${c.higher}>${c.lower}:${c.kind}`);
  // la-init is read against la alone: the neighbour of la in the ranking is radam.
  assert.deepEqual(pairs, ['adamw>la:best', 'adamw>la-init:best', 'adamw>radam:best', 'la>la-init:control', 'la>radam:neighbour']);
  assert.equal(list.find((c) => c.kind === 'control')!.verdict, 'open');
  const md = reportMarkdown(cfg, records, summaries);
  assert.ok(md.indexOf('## Which differences the seeds settle') < md.indexOf('## Why'));
  assert.match(md, /1 of 5 open\. To settle them, give la, la-init 3 seeds/);
});
