import { Command, Option } from 'commander';
import { resolveTrainConfig } from '../config/load.js';
import { flagOf, shownDefault, TRAIN_KEYS, TRAIN_SETTINGS, type Setting, type TrainKey } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { Progress } from '../util/progress.js';
import { train, type TrainResult } from '../train/loop.js';
import { snakeKeys } from '../util/json-keys.js';
import { printJson, printText } from './output.js';

/** A flag's help: the setting's help line and its default (or "required"). */
function describe(key: TrainKey): string {
  const r = TRAIN_SETTINGS[key] as Setting<unknown>;
  return `${r.help} (${r.required ? 'required' : `default: ${shownDefault(r)}`})`;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('Fine-tune BERT (+ BiLSTM + CRF) on a CoNLL corpus; keeps the best model on dev, resumable.')
    .option('--config <file>', 'JSON file of settings (flags override it; unknown keys are errors)');
  for (const key of TRAIN_KEYS) {
    const { type } = TRAIN_SETTINGS[key] as Setting<unknown>;
    const flag = flagOf(key);
    if (type.boolean) {
      cmd.addOption(new Option(flag, describe(key)));
      continue;
    }
    const parse = (text: string): unknown => {
      try {
        return type.parse(text);
      } catch (err) {
        throw new UsageError(`${flag}: ${(err as Error).message}`);
      }
    };
    cmd.addOption(new Option(`${flag} ${type.arg}`, describe(key)).argParser(parse));
  }
  return cmd
    .option('--resume', 'continue the run saved in --out where it stopped')
    .option('--json', 'print the final result as JSON')
    .action(async (opts: Record<string, unknown>, command: Command) => {
      const flags: Record<string, unknown> = {};
      for (const key of TRAIN_KEYS) {
        if (command.getOptionValueSource(key) === 'cli') flags[key] = opts[key];
      }
      const cfg = resolveTrainConfig(opts.config as string | undefined, flags);
      const result = await train(cfg, Boolean(opts.resume), { progress: new Progress() });
      if (opts.json) printJson(resultJson(result));
      else printText(resultText(result));
    });
}

export function resultJson(r: TrainResult): Record<string, unknown> {
  return snakeKeys({
    out: r.out,
    backend: r.backend.label,
    best_epoch: r.bestEpoch,
    steps: r.steps,
    resumed_from_step: r.resumedFromStep,
    train_seconds: r.trainSeconds,
    tokens_per_second: r.tokensPerSecond,
    encoder_drift: r.encoderDrift,
    dev: r.dev,
    test: r.test,
  });
}

function resultText(r: TrainResult): string {
  const pct = (x: number) => (100 * x).toFixed(2);
  const line = (name: string, s: { precision: number; recall: number; f1: number }) => `${name}: precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}`;
  return [
    `model saved in ${r.out} (best epoch ${r.bestEpoch}, ${r.steps} steps, backend ${r.backend.label})`,
    `training: ${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s over ${r.trainSeconds.toFixed(1)} s`,
    line('dev ', r.dev),
    ...(r.test ? [line('test', r.test)] : []),
  ].join('\n');
}
