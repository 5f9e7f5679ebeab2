import { Command, Option } from 'commander';
import { resolveTrainConfig, kebab } from '../config/load.js';
import { TRAIN_DEFAULTS, TRAIN_HELP, type TrainConfig } from '../config/schema.js';
import { schemeFromName } from '../data/schemes.js';
import { UsageError } from '../errors.js';
import { Progress } from '../util/progress.js';
import { train, type TrainResult } from '../train/loop.js';
import { printJson, printText } from './output.js';

type Kind = 'string' | 'number' | 'int' | 'json' | 'scheme' | 'nullable-string';
const KINDS: Partial<Record<keyof TrainConfig, Kind>> = {
  model: 'string',
  train: 'string',
  dev: 'nullable-string',
  test: 'nullable-string',
  out: 'string',
  optimizer: 'string',
  schedule: 'string',
  backend: 'string',
  scheme: 'scheme',
  optimizerOptions: 'json',
  scratch: 'json',
  lookaheadSlowWeights: 'string',
  encoderWeights: 'string',
  epochs: 'int',
  batchSize: 'int',
  maxBatchPieces: 'int',
  maxLen: 'int',
  seed: 'int',
  numLayers: 'int',
  lstmHidden: 'int',
  patience: 'int',
  saveEvery: 'int',
  logEvery: 'int',
};
const NEGATABLE: (keyof TrainConfig)[] = ['crf', 'constrain'];

function parse(kind: Kind, key: string) {
  return (value: string): unknown => {
    switch (kind) {
      case 'string':
      case 'nullable-string':
        return value;
      case 'scheme': {
        const s = schemeFromName(value);
        if (!s) throw new UsageError(`--${kebab(key)}: unknown scheme '${value}'`);
        return s;
      }
      case 'json':
        try {
          return JSON.parse(value) as unknown;
        } catch {
          throw new UsageError(`--${kebab(key)}: not valid JSON: ${value}`);
        }
      case 'int':
      case 'number': {
        const n = Number(value);
        if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${kebab(key)}: expected a number, got '${value}'`);
        return n;
      }
    }
  };
}

const show = (v: unknown) => (v === null ? 'none' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const PLACEHOLDER: Partial<Record<keyof TrainConfig, string>> = {
  model: '<path|hub-id|scratch>',
  train: '<file>',
  dev: '<file>',
  test: '<file>',
  out: '<dir>',
  optimizer: '<name>',
  schedule: '<kind>',
  backend: '<name>',
  scheme: '<scheme>',
  optimizerOptions: '<json>',
  scratch: '<json>',
  lookaheadSlowWeights: '<start|init>',
  encoderWeights: '<checkpoint|random>',
};

function describe(key: keyof TrainConfig): string {
  const help = TRAIN_HELP[key];
  if (help.includes('default:')) return help;
  if (key === 'train' || key === 'out') return `${help} (required)`;
  return `${help} (default: ${show(TRAIN_DEFAULTS[key])})`;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('Fine-tune BERT (+ BiLSTM + CRF) on a CoNLL corpus; keeps the best model on dev, resumable.')
    .option('--config <file>', 'JSON file of settings (flags override it; unknown keys are errors)');
  for (const key of Object.keys(TRAIN_DEFAULTS) as (keyof TrainConfig)[]) {
    if (NEGATABLE.includes(key)) {
      cmd.addOption(new Option(`--no-${kebab(key)}`, TRAIN_HELP[key]));
      continue;
    }
    const kind = KINDS[key] ?? 'number';
    cmd.addOption(new Option(`--${kebab(key)} ${PLACEHOLDER[key] ?? '<n>'}`, describe(key)).argParser(parse(kind, key)));
  }
  return cmd
    .option('--resume', 'continue the run saved in --out where it stopped')
    .option('--json', 'print the final result as JSON')
    .action(async (opts: Record<string, unknown>, command: Command) => {
      const flags: Record<string, unknown> = {};
      for (const key of Object.keys(TRAIN_DEFAULTS)) {
        if (command.getOptionValueSource(key) === 'cli') flags[key] = opts[key];
      }
      const cfg = resolveTrainConfig(opts.config as string | undefined, flags);
      const result = await train(cfg, Boolean(opts.resume), { progress: new Progress() });
      if (opts.json) printJson(resultJson(result));
      else printText(resultText(result));
    });
}

export function resultJson(r: TrainResult): Record<string, unknown> {
  return {
    out: r.out,
    backend: r.backend.name,
    best_epoch: r.bestEpoch,
    steps: r.steps,
    train_seconds: r.trainSeconds,
    tokens_per_second: r.tokensPerSecond,
    encoder_drift: r.encoderDrift,
    dev: r.dev,
    test: r.test,
  };
}

function resultText(r: TrainResult): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  const line = (name: string, s: { precision: number; recall: number; f1: number }) => `${name}: precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}`;
  return [
    `model saved in ${r.out} (best epoch ${r.bestEpoch}, ${r.steps} steps, backend ${r.backend.name})`,
    `training: ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s over ${r.trainSeconds.toFixed(1)} s`,
    line('dev ', r.dev),
    ...(r.test ? [line('test', r.test)] : []),
  ].join('\n');
}
