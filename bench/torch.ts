/**
 * The PyTorch reference (../shared/reference/torch/torch_ner.py) run on the same sentences and
 * settings as the benchmark, when Debian's python3-torch is installed: its figures are the
 * yardstick the benchmark's ratios are taken against.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TorchFigures {
  engine: string;
  steps: number;
  /** Word pieces (attention-mask sum) trained on, and the seconds the training loop took. */
  train_tokens: number;
  train_seconds: number;
  train_tokens_per_s: number;
  eval_sentences_per_s: number;
  peak_rss_mb: number | null;
}

const PYTHON = '/usr/bin/python3';

/** Why the reference cannot run here, or undefined when it can. */
export function torchUnavailable(script: string): string | undefined {
  if (!existsSync(script)) return `${script} is absent`;
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'python3-torch is not installed (apt-get install -y python3-torch libopenblas0-pthread)';
}

/** Runs the reference once; peak RSS through GNU time where it exists. */
export function runTorch(script: string, args: string[]): TorchFigures {
  const dir = mkdtempSync(join(tmpdir(), 'ner-bench-torch-'));
  const json = join(dir, 'out.json');
  try {
    const timed = existsSync('/usr/bin/time');
    const cmd = timed ? '/usr/bin/time' : PYTHON;
    const argv = [...(timed ? ['-f', 'peak-rss-kb %M', PYTHON] : []), script, ...args, '--json', json];
    const run = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    if (run.status !== 0) throw new Error(`torch_ner.py failed (exit ${run.status}): ${(run.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    const out = JSON.parse(readFileSync(json, 'utf8')) as Omit<TorchFigures, 'peak_rss_mb'>;
    const rss = /peak-rss-kb (\d+)/.exec(run.stderr ?? '');
    return {
      engine: out.engine,
      steps: out.steps,
      train_tokens: out.train_tokens,
      train_seconds: out.train_seconds,
      train_tokens_per_s: out.train_tokens_per_s,
      eval_sentences_per_s: out.eval_sentences_per_s,
      peak_rss_mb: rss ? Number(rss[1]) / 1024 : null,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
