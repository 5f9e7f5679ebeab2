import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findOptimizer, optimizerSpecs } from '../../src/optim/registry.js';

const explain = (name: string, init = false) => {
  const spec = findOptimizer(name)!;
  return spec.explain({ ...spec.defaults }, { slowWeightsFromInit: init }).join('\n');
};

test('each optimizer explains itself from its registry entry: Lookahead names the RAdam inside it, the init ablation replaces the mechanism', () => {
  for (const s of optimizerSpecs()) assert.equal(typeof s.explain, 'function', s.name);
  assert.match(explain('lookahead-radam'), /stacked on RAdam[\s\S]*\nRAdam: /);
  assert.match(explain('ranger'), /α = 0\.5 .* k = 6 steps.*; stacked on RAdam[\s\S]*\nRAdam: /);
  assert.doesNotMatch(explain('lookahead-adamw'), /RAdam/);
  assert.match(explain('lookahead-adamw', true), /TF1 pitfall/);
  assert.doesNotMatch(explain('lookahead-adamw', true), /moves the weights only/);
  assert.match(explain('bert-adamw'), /no bias correction: .* 3\.16× at step 1/);
  assert.equal(explain('adamw'), '');
});
