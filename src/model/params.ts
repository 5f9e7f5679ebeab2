import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { numel, type HostTensor } from '../spec/host-tensor.js';

let scopes = 0;

/**
 * A model's variables by local name (`bert.encoder.layer.0.attention.self.query.weight`,
 * `crf.transitions`). tfjs variable names must be unique per process, so each store prefixes
 * them with its own scope (`m3/…`); optimizers see the full names, checkpoints the local ones.
 */
export class Params {
  readonly scope = `m${scopes++}`;
  private readonly vars = new Map<string, tf.Variable>();

  add(name: string, value: HostTensor, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter ${name} defined twice`);
    const init = tf.tensor(value.values, value.shape, 'float32');
    const v = tf.variable(init, trainable, `${this.scope}/${name}`);
    init.dispose();
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  /** Local names, in creation order. */
  names(): string[] {
    return [...this.vars.keys()];
  }

  localName(fullName: string): string {
    return fullName.slice(this.scope.length + 1);
  }

  trainable(): tf.Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  /** Current values in host memory, by local name. */
  toHost(): Map<string, HostTensor> {
    return new Map([...this.vars].map(([n, v]) => [n, { shape: [...v.shape], values: v.dataSync() as Float32Array }]));
  }

  /** Overwrites values (shapes must match). */
  assign(values: Map<string, HostTensor>): void {
    for (const [n, t] of values) {
      const v = this.get(n);
      if (v.shape.join() !== t.shape.join()) throw new Error(`parameter ${n}: shape ${JSON.stringify(t.shape)} != ${JSON.stringify(v.shape)}`);
      tf.tidy(() => v.assign(tf.tensor(t.values, t.shape, 'float32')));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** How a fresh head is initialised (config headInit): BERT's conventions, or PyTorch's module defaults. */
export const HEAD_INITS = ['bert', 'torch'] as const;
export type HeadInit = (typeof HEAD_INITS)[number];

/** Initialisers (Hugging Face BertPreTrainedModel._init_weights: N(0, 0.02), LayerNorm 1/0, biases 0). */
export const init = {
  normal(shape: number[], rng: Rng, std = 0.02): HostTensor {
    const values = new Float32Array(numel(shape));
    for (let i = 0; i < values.length; i += 2) {
      // Box–Muller from the seeded generator, so scratch models are reproducible.
      const u = Math.max(rng.next(), 1e-12);
      const r = Math.sqrt(-2 * Math.log(u)) * std;
      const a = 2 * Math.PI * rng.next();
      values[i] = r * Math.cos(a);
      if (i + 1 < values.length) values[i + 1] = r * Math.sin(a);
    }
    return { shape, values };
  },
  uniform(shape: number[], rng: Rng, limit: number): HostTensor {
    const values = new Float32Array(numel(shape));
    for (let i = 0; i < values.length; i++) values[i] = (2 * rng.next() - 1) * limit;
    return { shape, values };
  },
  /** The sum of two U(±limit) draws: nn.LSTM's b_ih + b_hh as one bias. */
  uniformPair(shape: number[], rng: Rng, limit: number): HostTensor {
    const a = init.uniform(shape, rng, limit);
    const b = init.uniform(shape, rng, limit);
    for (let i = 0; i < a.values.length; i++) a.values[i]! += b.values[i]!;
    return a;
  },
  constant(shape: number[], value: number): HostTensor {
    return { shape, values: new Float32Array(numel(shape)).fill(value) };
  },
};
