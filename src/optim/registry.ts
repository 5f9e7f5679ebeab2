import { Adam, type AdamDecay } from './adam.js';
import { BertAdamW } from './bert-adamw.js';
import { Lookahead } from './lookahead.js';
import type { BaseOptions, ParamGroup, StatefulOptimizer } from './optimizer.js';
import { explainAdamL2, explainBertAdamW, explainLookahead, explainRAdam, type ExplainContext, type ExplainOptions } from './explain.js';
import { RAdam, type RAdamFlavour } from './radam.js';
import { CONSTANT_SCHEDULE, scheduleProblem, type ScheduleOptions } from './schedule.js';

/** Options of `createOptimizer` (camelCase). Unset ones take the optimizer's documented default. */
export interface OptimizerOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  weightDecay?: number;
  /** Regex sources: matching variable names get no weight decay. */
  excludeFromWeightDecay?: string[];
  clipNorm?: number | null;
  schedule?: Partial<ScheduleOptions>;
  groups?: ParamGroup[];
  /** Lookahead / Ranger. */
  k?: number;
  alpha?: number;
  /** RAdam. */
  degeneratedToSgd?: boolean;
  /** Ranger: true = centre per output unit; 'literal' = ranger.py's axes on the stored layout. */
  gradientCentralization?: boolean | 'output' | 'literal';
}

type Key = keyof OptimizerOptions;
const COMMON: Key[] = ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'excludeFromWeightDecay', 'clipNorm', 'schedule', 'groups'];
/** BERT's weight-decay exclusions (LayerNorm and bias), as regex sources. */
export const BERT_EXCLUDE = ['LayerNorm', 'layer_norm', 'bias'];

export interface OptimizerSpec {
  name: string;
  summary: string;
  /** Where the equations come from. */
  source: string;
  defaults: OptimizerOptions;
  keys: readonly Key[];
  build(o: Required<OptimizerOptions>): StatefulOptimizer;
  /** Why it can fall short in a short fine-tuning run (paragraphs for compare's report). */
  explain(o: ExplainOptions, ctx: ExplainContext): string[];
  /** Its early steps are small (RAdam's rectification): a Lookahead around it says so. */
  slowStart?: true;
}

function base(o: Required<OptimizerOptions>): BaseOptions {
  return {
    learningRate: o.learningRate,
    weightDecay: o.weightDecay,
    excludeFromWeightDecay: o.excludeFromWeightDecay,
    clipNorm: o.clipNorm,
    schedule: o.schedule as ScheduleOptions,
    groups: o.groups,
  };
}

const adam = (decay: AdamDecay) => (o: Required<OptimizerOptions>) =>
  new Adam({ ...base(o), beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon, decay });

const radam = (flavour: RAdamFlavour) => (o: Required<OptimizerOptions>) =>
  new RAdam({
    ...base(o),
    beta1: o.beta1,
    beta2: o.beta2,
    epsilon: o.epsilon,
    degeneratedToSgd: o.degeneratedToSgd,
    threshold: 5,
    flavour,
    gradientCentralization: o.gradientCentralization === true ? 'output' : o.gradientCentralization,
  });

const SPECS: OptimizerSpec[] = [
  {
    name: 'bert-adamw',
    summary: "BERT's AdamWeightDecayOptimizer: Adam without bias correction, decoupled weight decay added to the update, none for LayerNorm/bias",
    source: 'google-research/bert optimization.py (AdamWeightDecayOptimizer, create_optimizer)',
    defaults: { learningRate: 5e-5, beta1: 0.9, beta2: 0.999, epsilon: 1e-6, weightDecay: 0.01, excludeFromWeightDecay: BERT_EXCLUDE },
    keys: COMMON,
    build: (o) => new BertAdamW({ ...base(o), beta1: o.beta1, beta2: o.beta2, epsilon: o.epsilon }),
    explain: explainBertAdamW,
  },
  {
    name: 'adamw',
    summary: 'torch.optim.AdamW: bias-corrected Adam, decoupled decay θ *= 1 - lr·λ before the step',
    source: 'pytorch torch/optim/adamw.py (_single_tensor_adamw, torch 1.13)',
    defaults: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
    keys: COMMON,
    build: adam('decoupled'),
    explain: () => [],
  },
  {
    name: 'adam',
    summary: 'torch.optim.Adam without weight decay',
    source: 'pytorch torch/optim/adam.py (_single_tensor_adam, torch 1.13)',
    defaults: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    keys: COMMON,
    build: adam('none'),
    explain: () => [],
  },
  {
    name: 'adam-l2',
    summary: 'torch.optim.Adam(weight_decay): L2 added to the gradient before the moments (what AdamW fixes)',
    source: 'pytorch torch/optim/adam.py (_single_tensor_adam, torch 1.13)',
    defaults: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 },
    keys: COMMON,
    build: adam('l2'),
    explain: explainAdamL2,
  },
  {
    name: 'radam',
    summary: 'RAdam as its authors wrote it: rectified when ρt ≥ 5, before that SGD with momentum (or no step), decoupled decay',
    source: 'LiyuanLucasLiu/RAdam radam/radam.py (class RAdam)',
    defaults: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0, degeneratedToSgd: true },
    keys: [...COMMON, 'degeneratedToSgd'],
    build: radam('liyuan'),
    explain: explainRAdam,
    slowStart: true,
  },
  {
    name: 'torch-radam',
    summary: 'torch.optim.RAdam: rectified when ρt > 5, else SGD with momentum; weight decay as L2 on the gradient',
    source: 'pytorch torch/optim/radam.py (_single_tensor_radam, torch 1.13)',
    defaults: { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
    keys: COMMON,
    build: radam('torch'),
    explain: explainRAdam,
    slowStart: true,
  },
  {
    name: 'ranger',
    summary: 'Ranger: RAdam (ρt > 5) inside Lookahead (k 6, α .5), gradient centralisation for rank > 1',
    source: 'lessw2020/Ranger-Deep-Learning-Optimizer ranger/ranger.py (20.4.11)',
    defaults: { learningRate: 1e-3, beta1: 0.95, beta2: 0.999, epsilon: 1e-5, weightDecay: 0, k: 6, alpha: 0.5, gradientCentralization: true },
    keys: [...COMMON, 'k', 'alpha', 'gradientCentralization'],
    build: (o) => new Lookahead(radam('ranger')(o), { k: o.k, alpha: o.alpha }),
    explain: (o, ctx) => [...explainLookahead(o, ctx, true), ...explainRAdam(o, ctx)],
  },
];

const LOOKAHEAD_DEFAULTS = { k: 5, alpha: 0.5 };
const LOOKAHEAD_SOURCE = 'michaelrzhang/lookahead lookahead_pytorch.py (Zhang et al. 2019); k 5, α .5 as in the paper';

/** Every name `createOptimizer` accepts, lookahead-<inner> spelled out for each plain inner. */
export function optimizerSpecs(): OptimizerSpec[] {
  const plain = SPECS.filter((s) => s.name !== 'ranger');
  return [...SPECS, ...plain.map(lookaheadSpec)];
}

function lookaheadSpec(inner: OptimizerSpec): OptimizerSpec {
  return {
    name: `lookahead-${inner.name}`,
    summary: `Lookahead (k, α) around ${inner.name}; slow weights copied when training starts, after the checkpoint is loaded`,
    source: `${LOOKAHEAD_SOURCE}; inner: ${inner.source}`,
    defaults: { ...inner.defaults, ...LOOKAHEAD_DEFAULTS },
    keys: [...inner.keys, 'k', 'alpha'],
    build: (o) => new Lookahead(inner.build(o), { k: o.k, alpha: o.alpha }),
    explain: (o, ctx) => [...explainLookahead(o, ctx, inner.slowStart === true), ...(inner.slowStart ? inner.explain(o, ctx) : [])],
  };
}

export function findOptimizer(name: string): OptimizerSpec | undefined {
  const direct = SPECS.find((s) => s.name === name);
  if (direct) return direct;
  const inner = name.startsWith('lookahead-') ? SPECS.find((s) => s.name === name.slice('lookahead-'.length)) : undefined;
  return inner && inner.name !== 'ranger' ? lookaheadSpec(inner) : undefined;
}

export const OPTIMIZER_NAMES = (): string[] => optimizerSpecs().map((s) => s.name);

const FALLBACKS: Required<OptimizerOptions> = {
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  weightDecay: 0,
  excludeFromWeightDecay: [],
  clipNorm: null,
  schedule: CONSTANT_SCHEDULE,
  groups: [],
  k: 5,
  alpha: 0.5,
  degeneratedToSgd: true,
  gradientCentralization: false,
};

export class OptimizerOptionError extends Error {}

/** Resolves options against the optimizer's defaults, rejecting unknown or inapplicable keys and bad values. */
export function resolveOptimizerOptions(spec: OptimizerSpec, options: OptimizerOptions): Required<OptimizerOptions> {
  for (const key of Object.keys(options)) {
    if (!(key in FALLBACKS)) throw new OptimizerOptionError(`unknown optimizer option '${key}'; known: ${Object.keys(FALLBACKS).join(', ')}`);
    if (!spec.keys.includes(key as Key) && options[key as Key] !== undefined) {
      throw new OptimizerOptionError(`option '${key}' does not apply to ${spec.name}`);
    }
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...FALLBACKS, ...spec.defaults, ...defined } as Required<OptimizerOptions>;
  o.schedule = { ...CONSTANT_SCHEDULE, ...(options.schedule ?? {}) } as ScheduleOptions;
  const positive = (k: Key) => {
    const x = o[k] as number;
    if (!(typeof x === 'number' && Number.isFinite(x) && x > 0)) throw new OptimizerOptionError(`${k} must be a number > 0 (got ${String(x)})`);
  };
  positive('learningRate');
  positive('epsilon');
  for (const k of ['beta1', 'beta2'] as const) {
    if (!(o[k] >= 0 && o[k] < 1)) throw new OptimizerOptionError(`${k} must be in [0, 1) (got ${o[k]})`);
  }
  if (!(o.weightDecay >= 0)) throw new OptimizerOptionError(`weightDecay must be ≥ 0 (got ${o.weightDecay})`);
  if (o.clipNorm !== null) positive('clipNorm');
  const problem = scheduleProblem(o.schedule as ScheduleOptions);
  if (problem) throw new OptimizerOptionError(`schedule: ${problem}`);
  for (const g of o.groups) {
    try {
      new RegExp(g.match);
    } catch {
      throw new OptimizerOptionError(`groups: '${g.match}' is not a valid regular expression`);
    }
  }
  return o;
}

/**
 * Creates an optimizer by registry name. Its `applyGradients({[variableName]: gradient})`
 * updates the tfjs variables of those names; names drive weight-decay exclusions and groups.
 */
export function createOptimizer(name: string, options: OptimizerOptions = {}): StatefulOptimizer {
  const spec = findOptimizer(name);
  if (!spec) throw new OptimizerOptionError(`unknown optimizer '${name}'; expected one of ${OPTIMIZER_NAMES().join(', ')}`);
  return spec.build(resolveOptimizerOptions(spec, options));
}
