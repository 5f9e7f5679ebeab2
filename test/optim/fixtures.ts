import * as tf from '@tensorflow/tfjs';
import type { OptimizerOptions } from '../../src/optim/registry.js';
import { readFixture } from '../helpers.js';

export type Values = Record<string, number[] | number[][]>;
export interface ReferenceConfig {
  lr: number[];
  params: Values[];
  hyperparameters: Record<string, unknown>;
}
export interface Reference {
  initial: Values;
  gradients: Values[];
  configs: Record<string, ReferenceConfig>;
}

/** test/fixtures/optimizers.json: a copy of ../shared/reference/optimizers.json, so every clone runs these checks. */
export const reference = JSON.parse(readFixture('optimizers.json')) as Reference;

/** Each fixture configuration as a registry name and options. */
export const CASES: Record<string, { name: string; options: OptimizerOptions }> = {
  bert_adamw: { name: 'bert-adamw', options: { learningRate: 0.01, epsilon: 1e-6, weightDecay: 0.01 } },
  bert_adamw_clip: { name: 'bert-adamw', options: { learningRate: 0.01, epsilon: 1e-6, weightDecay: 0.01, clipNorm: 1 } },
  bert_adamw_schedule: {
    name: 'bert-adamw',
    options: { learningRate: 0.01, epsilon: 1e-6, weightDecay: 0.01, schedule: { kind: 'bert', warmupSteps: 3, totalSteps: 12 } },
  },
  bert_adamw_schedule_clip: {
    name: 'bert-adamw',
    options: { learningRate: 0.01, epsilon: 1e-6, weightDecay: 0.01, clipNorm: 1, schedule: { kind: 'bert', warmupSteps: 3, totalSteps: 12 } },
  },
  torch_adamw: { name: 'adamw', options: { learningRate: 0.01, epsilon: 1e-8, weightDecay: 0.01 } },
  adam_l2: { name: 'adam-l2', options: { learningRate: 0.01, epsilon: 1e-8, weightDecay: 0.01 } },
  radam_sgd: { name: 'radam', options: { learningRate: 0.01, weightDecay: 0.01, degeneratedToSgd: true } },
  radam_nosgd: { name: 'radam', options: { learningRate: 0.01, weightDecay: 0.01, degeneratedToSgd: false } },
  torch_radam: { name: 'torch-radam', options: { learningRate: 0.01, weightDecay: 0 } },
  lookahead_adamw: { name: 'lookahead-adamw', options: { learningRate: 0.01, weightDecay: 0.01, k: 5, alpha: 0.5 } },
  ranger: { name: 'ranger', options: { learningRate: 0.01, gradientCentralization: false } },
  ranger_gc: { name: 'ranger', options: { learningRate: 0.01, gradientCentralization: 'literal' } },
  ranger_gc_per_output_unit: { name: 'ranger', options: { learningRate: 0.01, gradientCentralization: true } },
};

/** Fresh variables holding the fixture's initial values, with the fixture's names. */
export function makeVariables(initial: Values): tf.Variable[] {
  return Object.entries(initial).map(([name, value]) => {
    const init = tf.tensor(value as number[]);
    const v = tf.variable(init, true, name);
    init.dispose();
    return v;
  });
}

export function gradientsAt(ref: Reference, step: number): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(ref.gradients[step]!).map(([n, g]) => [n, tf.tensor(g as number[])]));
}
