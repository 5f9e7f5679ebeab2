import * as tf from '@tensorflow/tfjs';
import { CONSTANT_SCHEDULE, scheduleFactor, type ScheduleOptions } from './schedule.js';

/** tfjs's { name, tensor } pair (not exported by the package root). */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

/** Per-variable overrides, matched against variable names (first match wins). */
export interface ParamGroup {
  /** Regular expression source searched in the variable name, e.g. "^(lstm|crf|classifier)/". */
  match: string;
  learningRate?: number;
  weightDecay?: number;
}

/** Options every optimizer takes (camelCase; defaults come from the registry). */
export interface BaseOptions {
  learningRate: number;
  weightDecay: number;
  /** Regex sources; a variable whose name matches any gets no weight decay (BERT: LayerNorm, layer_norm, bias). */
  excludeFromWeightDecay: string[];
  /** Global-norm gradient clipping (tf.clip_by_global_norm); null = off. */
  clipNorm: number | null;
  schedule: ScheduleOptions;
  groups: ParamGroup[];
}

/** Options of the Adam family (Adam, AdamW, BERT's AdamW, RAdam). */
export interface MomentOptions extends BaseOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Everything needed to continue a run bit for bit: scalars (step counters) and float32 tensors
 * (moments, slow weights), as plain data so checkpoints own no live tensors.
 */
export interface OptimizerState {
  scalars: Record<string, number>;
  tensors: Record<string, { shape: number[]; values: Float32Array }>;
}

/** What the trainer and the library rely on, for plain optimizers and wrappers alike. */
export interface StatefulOptimizer extends tf.Optimizer {
  /** Completed update steps. */
  readonly step: number;
  /** Learning rate the next step uses for a variable of this name (schedule and groups applied). */
  learningRateFor(name: string): number;
  exportState(): OptimizerState;
  importState(state: OptimizerState): void;
}

interface Resolved {
  learningRate: number;
  weightDecay: number;
}

/** tfjs's getWeights/setWeights for every optimizer here: its exported state as named tensors. */
export abstract class StateOptimizer extends tf.Optimizer {
  abstract exportState(): OptimizerState;
  abstract importState(state: OptimizerState): void;

  override async getWeights(): Promise<NamedTensor[]> {
    return stateToWeights(this.exportState());
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.importState(await weightsToState(weightValues));
  }
}

/**
 * Base of every optimizer here: owns the step counter, per-variable slots, clipping, schedule and
 * parameter groups; subclasses implement one variable's update. Variables are found by name in the
 * tfjs engine, as tfjs's own optimizers do, and names drive weight-decay exclusion.
 */
export abstract class SlotOptimizer extends StateOptimizer implements StatefulOptimizer {
  protected readonly base: BaseOptions;
  private readonly slots = new Map<string, Map<string, tf.Variable>>();
  private readonly resolved = new Map<string, Resolved>();
  private readonly groupPatterns: { re: RegExp; group: ParamGroup }[];
  private readonly excludePatterns: RegExp[];

  constructor(options: BaseOptions) {
    super();
    this.base = { ...options, schedule: options.schedule ?? CONSTANT_SCHEDULE };
    this.groupPatterns = options.groups.map((group) => ({ re: new RegExp(group.match), group }));
    this.excludePatterns = options.excludeFromWeightDecay.map((r) => new RegExp(r));
    this.iterations_ = 0;
  }

  get step(): number {
    return this.iterations_;
  }

  /** One variable's update; `t` is the 1-based step number; called inside tf.tidy. */
  protected abstract update(variable: tf.Variable, gradient: tf.Tensor, hp: Resolved, t: number, name: string): void;

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const named: tf.NamedTensorMap = Array.isArray(variableGradients)
      ? Object.fromEntries(variableGradients.map((g) => [g.name, g.tensor]))
      : variableGradients;
    const names = Object.keys(named).filter((n) => named[n] != null);
    const factor = scheduleFactor(this.base.schedule, this.iterations_);
    const t = this.iterations_ + 1;
    tf.tidy(() => {
      let grads = names.map((n) => named[n]!);
      if (this.base.clipNorm !== null) grads = clipByGlobalNorm(grads, this.base.clipNorm);
      names.forEach((name, i) => {
        const hp = this.hyperparameters(name);
        this.update(variableNamed(name), grads[i]!, { learningRate: hp.learningRate * factor, weightDecay: hp.weightDecay }, t, name);
      });
    });
    this.incrementIterations();
  }

  learningRateFor(name: string): number {
    return this.hyperparameters(name).learningRate * scheduleFactor(this.base.schedule, this.iterations_);
  }

  /** Base learning rate and weight decay of a variable (before the schedule). */
  protected hyperparameters(name: string): Resolved {
    let r = this.resolved.get(name);
    if (!r) {
      const group = this.groupPatterns.find((g) => g.re.test(name))?.group;
      const excluded = this.excludePatterns.some((re) => re.test(name));
      r = {
        learningRate: group?.learningRate ?? this.base.learningRate,
        weightDecay: excluded ? 0 : (group?.weightDecay ?? this.base.weightDecay),
      };
      this.resolved.set(name, r);
    }
    return r;
  }

  /** Adam's moment estimates after this gradient: m = β1 m + (1-β1) g, v = β2 v + (1-β2) g². */
  protected updateMoments(name: string, variable: tf.Variable, g: tf.Tensor, beta1: number, beta2: number): { m: tf.Variable; v: tf.Variable } {
    const m = this.slot(name, 'm', variable);
    const v = this.slot(name, 'v', variable);
    m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1))); // [...shape]
    v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2))); // [...shape]
    return { m, v };
  }

  /** A named per-variable slot (a moment, say), created as zeros on first use. */
  protected slot(name: string, key: string, like: tf.Tensor): tf.Variable {
    let byKey = this.slots.get(name);
    if (!byKey) this.slots.set(name, (byKey = new Map()));
    let v = byKey.get(key);
    if (!v) byKey.set(key, (v = stateVariable(tf.zerosLike(like))));
    return v;
  }

  exportState(): OptimizerState {
    const tensors: OptimizerState['tensors'] = {};
    for (const [name, byKey] of this.slots) {
      for (const [key, v] of byKey) tensors[`${name}::${key}`] = { shape: [...v.shape], values: v.dataSync() as Float32Array };
    }
    return { scalars: { step: this.iterations_ }, tensors };
  }

  importState(state: OptimizerState): void {
    this.disposeSlots();
    this.iterations_ = state.scalars.step ?? 0;
    for (const [k, { shape, values }] of Object.entries(state.tensors)) {
      const cut = k.lastIndexOf('::');
      const name = k.slice(0, cut);
      let byKey = this.slots.get(name);
      if (!byKey) this.slots.set(name, (byKey = new Map()));
      byKey.set(k.slice(cut + 2), stateVariable(tf.tensor(values, shape, 'float32')));
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    return JSON.parse(JSON.stringify(this.base)) as tf.serialization.ConfigDict;
  }

  override dispose(): void {
    this.disposeSlots();
    super.dispose();
  }

  private disposeSlots(): void {
    for (const byKey of this.slots.values()) for (const v of byKey.values()) v.dispose();
    this.slots.clear();
  }
}

/** A non-trainable variable holding `init`'s value; the temporary tensor is released. */
export function stateVariable(init: tf.Tensor): tf.Variable {
  const v = tf.variable(init, false);
  init.dispose();
  return v;
}

export function variableNamed(name: string): tf.Variable {
  const v = tf.engine().registeredVariables[name];
  if (!v) throw new Error(`no tfjs variable named '${name}': gradients must be keyed by variable name`);
  return v;
}

/** tf.clip_by_global_norm: every gradient times clipNorm / max(globalNorm, clipNorm). */
export function clipByGlobalNorm(grads: tf.Tensor[], clipNorm: number): tf.Tensor[] {
  const norm = globalNorm(grads);
  const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm)); // []
  return grads.map((g) => tf.mul(g, scale));
}

export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar; // []
}

/** tfjs getWeights() form of a state: scalars as 'name' scalars, tensors by their keys. */
export function stateToWeights(state: OptimizerState): NamedTensor[] {
  return [
    ...Object.entries(state.scalars).map(([name, x]) => ({ name: `scalar:${name}`, tensor: tf.scalar(x) })),
    ...Object.entries(state.tensors).map(([name, t]) => ({ name, tensor: tf.tensor(t.values, t.shape, 'float32') })),
  ];
}

export async function weightsToState(weights: NamedTensor[]): Promise<OptimizerState> {
  const state: OptimizerState = { scalars: {}, tensors: {} };
  for (const { name, tensor } of weights) {
    if (name.startsWith('scalar:')) state.scalars[name.slice(7)] = (await tensor.data())[0]!;
    else state.tensors[name] = { shape: [...tensor.shape], values: (await tensor.data()) as Float32Array };
  }
  return state;
}
