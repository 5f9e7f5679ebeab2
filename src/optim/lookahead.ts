import * as tf from '@tensorflow/tfjs';
import { StateOptimizer, stateVariable, variableNamed, type NamedTensor, type OptimizerState, type StatefulOptimizer } from './optimizer.js';

/**
 * Where a run's Lookahead slow weights start (config lookaheadSlowWeights): 'start' is correct,
 * the others reproduce the TF1 before-load pitfall (src/train/start-weights.ts).
 */
export const SLOW_WEIGHTS = ['start', 'init', 'random-matrices'] as const;
export type SlowWeights = (typeof SLOW_WEIGHTS)[number];

export interface LookaheadOptions {
  /** Synchronise every k inner steps. */
  k: number;
  /** Slow-weight step size: slow += α (fast - slow). */
  alpha: number;
}

/**
 * Lookahead (Zhang et al. 2019; michaelrzhang/lookahead lookahead_pytorch.py) around any inner
 * optimizer. Slow weights are copied from the variables the first time they are updated, i.e.
 * when training starts, after a checkpoint has been loaded (or explicitly with
 * `captureSlowWeights`). Every k steps: fast ← slow + α (fast − slow); slow ← fast. The inner
 * optimizer's state is left alone.
 */
export class Lookahead extends StateOptimizer implements StatefulOptimizer {
  static className = 'Lookahead';
  private readonly slow = new Map<string, tf.Variable>();
  private counter = 0;

  constructor(
    readonly inner: StatefulOptimizer,
    private readonly o: LookaheadOptions,
  ) {
    super();
    if (!Number.isInteger(o.k) || o.k < 1) throw new Error(`lookahead k must be a whole number ≥ 1 (got ${o.k})`);
    if (!(o.alpha > 0 && o.alpha <= 1)) throw new Error(`lookahead alpha must be in (0, 1] (got ${o.alpha})`);
  }

  get step(): number {
    return this.inner.step;
  }

  learningRateFor(name: string): number {
    return this.inner.learningRateFor(name);
  }

  /**
   * Copies the current values of these variables as slow weights now. Training never needs this;
   * it exists to reproduce the pitfall of taking slow weights before the checkpoint is loaded.
   */
  captureSlowWeights(names: Iterable<string>): void {
    for (const name of names) {
      this.slow.get(name)?.dispose();
      this.slow.set(name, stateVariable(variableNamed(name).clone()));
    }
  }

  /** Sets one variable's slow weights to given values (for the slow-weights-from-init ablation). */
  setSlowWeights(name: string, value: tf.Tensor): void {
    this.slow.get(name)?.dispose();
    this.slow.set(name, stateVariable(tf.clone(value)));
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
    this.captureSlowWeights(names.filter((n) => !this.slow.has(n)));
    this.inner.applyGradients(variableGradients);
    this.counter += 1;
    if (this.counter < this.o.k) return;
    this.counter = 0;
    tf.tidy(() => {
      for (const [name, slow] of this.slow) {
        const fast = variableNamed(name);
        const merged = tf.add(slow, tf.mul(tf.sub(fast, slow), this.o.alpha)); // [...shape]
        fast.assign(merged);
        slow.assign(merged);
      }
    });
  }

  exportState(): OptimizerState {
    const inner = this.inner.exportState();
    const state: OptimizerState = { scalars: { lookaheadCounter: this.counter }, tensors: {} };
    for (const [k, x] of Object.entries(inner.scalars)) state.scalars[`inner/${k}`] = x;
    for (const [k, x] of Object.entries(inner.tensors)) state.tensors[`inner/${k}`] = x;
    for (const [name, v] of this.slow) state.tensors[`${name}::slow`] = { shape: [...v.shape], values: v.dataSync() as Float32Array };
    return state;
  }

  importState(state: OptimizerState): void {
    const inner: OptimizerState = { scalars: {}, tensors: {} };
    for (const [k, x] of Object.entries(state.scalars)) if (k.startsWith('inner/')) inner.scalars[k.slice(6)] = x;
    for (const [k, x] of Object.entries(state.tensors)) if (k.startsWith('inner/')) inner.tensors[k.slice(6)] = x;
    this.inner.importState(inner);
    this.counter = state.scalars.lookaheadCounter ?? 0;
    this.disposeSlow();
    for (const [k, { shape, values }] of Object.entries(state.tensors)) {
      if (k.startsWith('inner/') || !k.endsWith('::slow')) continue;
      this.slow.set(k.slice(0, -'::slow'.length), stateVariable(tf.tensor(values, shape, 'float32')));
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...this.o, inner: this.inner.getConfig() as unknown as tf.serialization.ConfigDictValue };
  }

  override dispose(): void {
    this.disposeSlow();
    this.inner.dispose();
    super.dispose();
  }

  private disposeSlow(): void {
    for (const v of this.slow.values()) v.dispose();
    this.slow.clear();
  }
}

tf.serialization.registerClass(Lookahead);

/**
 * Whether an optimizer is a Lookahead. (`instanceof` cannot tell: tfjs's Optimizer defines
 * Symbol.hasInstance as a duck-type test that every optimizer passes.)
 */
export function isLookahead(o: unknown): o is Lookahead {
  return typeof (o as Lookahead | undefined)?.setSlowWeights === 'function' && typeof (o as Lookahead).captureSlowWeights === 'function';
}
