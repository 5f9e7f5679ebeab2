import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlowWeights } from '../../src/optim/lookahead.js';
import { rectifiedShare } from '../../src/optim/rectification.js';
import { findOptimizer, optimizerSpecs } from '../../src/optim/registry.js';

const explain = (name: string, slowWeights: SlowWeights = 'start') => {
  const spec = findOptimizer(name)!;
  return spec.explain({ ...spec.defaults }, { slowWeights }).join('\n');
};

test('each optimizer explains itself from its registry entry: Lookahead names the RAdam inside it, the init ablation replaces the mechanism', () => {
  for (const s of optimizerSpecs()) assert.equal(typeof s.explain, 'function', s.name);
  assert.match(explain('lookahead-radam'), /stacked on RAdam[\s\S]*\nRAdam: /);
  assert.match(explain('ranger'), /α = 0\.5 .* k = 6 steps.*; stacked on RAdam[\s\S]*\nRAdam: /);
  assert.doesNotMatch(explain('lookahead-adamw'), /RAdam/);
  assert.match(explain('lookahead-adamw'), /that is 0\.5× its progress, as if the learning rate were 0\.5× as large\./);
  const spec = findOptimizer('lookahead-adamw')!;
  assert.match(spec.explain({ ...spec.defaults }, { slowWeights: 'start', steps: 1332 }).join('\n'), /as large for all of this run's 1332 steps\./);
  assert.match(explain('lookahead-adamw', 'init'), /the encoder's random initialisation.*TF1 pitfall.*the encoder is pulled/);
  assert.doesNotMatch(explain('lookahead-adamw', 'init'), /moves the weights only/);
  assert.match(explain('lookahead-adamw', 'random-matrices'), /every weight matrix, the head's included.*TF1 pitfall.*the encoder and the head are pulled/);
  assert.match(explain('bert-adamw'), /no bias correction: .* 3\.16× at step 1/);
  assert.equal(explain('adamw'), '');
});

test('RAdam quantifies its rectification over the run: r_t of Liu et al. (2020) at step 100, mid-run and the end, and its mean', () => {
  // β2 .999: ρ∞ = 1999; at t = 100, ρt = 1999 − 200·0.999¹⁰⁰/(1 − 0.999¹⁰⁰) ≈ 98.3, r ≈ 0.215.
  assert.ok(Math.abs(rectifiedShare(100, 0.999) - 0.215) < 0.002);
  assert.equal(rectifiedShare(5, 0.999), 0, 'no rectified step while ρt ≤ 5 (ρ5 = 4.996)');
  assert.ok(rectifiedShare(6, 0.999) > 0);
  // The factor grows towards 1 as t → ∞.
  assert.ok(rectifiedShare(1332, 0.999) > rectifiedShare(666, 0.999) && rectifiedShare(100000, 0.999) > 0.999);
  const spec = findOptimizer('torch-radam')!;
  const text = spec.explain({ ...spec.defaults }, { slowWeights: 'start', steps: 1332 }).join('\n');
  assert.match(text, /Over this run's 1332 steps \(β2 0\.999\) its rectified step is bias-corrected Adam's times 0\.2\d× at step 100, 0\.\d\d× at step 666 and 0\.\d\d× at the last step: 0\.\d\d× on average/);
  assert.doesNotMatch(explain('torch-radam'), /Over this run/, 'without a step count the paragraph stays general');
  assert.match(findOptimizer('ranger')!.explain({ ...findOptimizer('ranger')!.defaults }, { slowWeights: 'start', steps: 1332 }).join('\n'), /stacked on RAdam[\s\S]*Over this run's 1332 steps/);
});
