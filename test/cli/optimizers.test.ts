import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers.js';

test('ner optimizers --json lists every name with defaults and the source of its equations', () => {
  const r = runCli(['optimizers', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { name: string; source: string; defaults: Record<string, unknown> }[];
  const names = list.map((s) => s.name);
  for (const n of ['bert-adamw', 'adamw', 'adam', 'adam-l2', 'radam', 'torch-radam', 'ranger', 'lookahead-adamw', 'lookahead-radam']) assert.ok(names.includes(n), n);
  const ranger = list.find((s) => s.name === 'ranger')!;
  assert.deepEqual(
    { lr: ranger.defaults.learningRate, b1: ranger.defaults.beta1, eps: ranger.defaults.epsilon, k: ranger.defaults.k, alpha: ranger.defaults.alpha },
    { lr: 1e-3, b1: 0.95, eps: 1e-5, k: 6, alpha: 0.5 },
  );
  assert.match(list.find((s) => s.name === 'bert-adamw')!.source, /google-research\/bert optimization\.py/);
  const text = runCli(['optimizers']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^bert-adamw +BERT's AdamWeightDecayOptimizer/m);
});
