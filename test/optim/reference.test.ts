import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { selectBackend } from '../../src/backend.js';
import { createOptimizer } from '../../src/optim/registry.js';
import { CASES, gradientsAt, makeVariables, reference, type Reference } from './fixtures.js';

const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x as number]);

/** Replays the 12 reference steps; returns the parameters after every step as float32 arrays. */
function replay(ref: Reference, name: string, options: object, check?: (step: number, opt: ReturnType<typeof createOptimizer>) => void) {
  const vars = makeVariables(ref.initial);
  const opt = createOptimizer(name, options);
  const trajectory: Record<string, Float32Array>[] = [];
  try {
    for (let s = 0; s < ref.gradients.length; s++) {
      check?.(s, opt);
      const grads = gradientsAt(ref, s);
      opt.applyGradients(grads);
      tf.dispose(Object.values(grads));
      trajectory.push(Object.fromEntries(vars.map((v) => [v.name, v.dataSync() as Float32Array])));
    }
  } finally {
    opt.dispose();
    tf.dispose(vars);
  }
  return trajectory;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`optimizers reproduce the reference trajectories (test/fixtures/optimizers.json, ${backend})`, () => {
    test('backend', async () => {
      assert.equal((await selectBackend(backend)).name, backend);
    });

    for (const [key, { name, options }] of Object.entries(CASES)) {
      test(`${key}: ${name}, every step to 1e-5 relative (1e-7 absolute floor where a value crosses zero), and the learning rate used`, () => {
        const ref = reference;
        const expected = ref.configs[key]!;
        const trajectory = replay(ref, name, options, (s, opt) => {
          const lr = opt.learningRateFor('dense/kernel');
          assert.ok(Math.abs(lr - expected.lr[s]!) <= 1e-12, `step ${s + 1} lr ${lr} != ${expected.lr[s]}`);
        });
        trajectory.forEach((params, s) => {
          for (const [p, got] of Object.entries(params)) {
            const want = flat(expected.params[s]![p]);
            want.forEach((w, i) => {
              const err = Math.abs(got[i]! - w);
              assert.ok(err <= 1e-5 * Math.abs(w) + 1e-7, `step ${s + 1} ${p}[${i}]: ${got[i]} vs ${w} (rel ${err / Math.abs(w)})`);
            });
          }
        });
      });
    }
  });
}
