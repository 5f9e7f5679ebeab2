import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainConfig } from '../config/schema.js';
import { Progress } from '../util/progress.js';
import { writeAtomic } from '../util/files.js';
import { UsageError } from '../errors.js';
import { seedsOf, setupSettings, type CompareConfig, type Setup } from './config.js';
import { camelKeys, snakeKeys } from '../util/json-keys.js';

/** One finished (or failed) run of the grid. */
export interface RunRecord {
  setup: string;
  seed: number;
  status: 'ok' | 'failed';
  error?: string;
  /** Per epoch: step, train_loss, dev_precision, dev_recall, dev_f1, dev_outside_fraction. */
  epochs: Record<string, number | null>[];
  /** Training loss every `logEvery` steps (mean over those steps), from train_log.jsonl. */
  loss_curve: { step: number; loss: number }[];
  /** Dev scores between epoch ends (evalEvery), from train_log.jsonl; [] without evalEvery. */
  dev_points: { step: number; dev_f1: number }[];
  test: { precision: number; recall: number; f1: number } | null;
  /** Fraction of test tokens predicted O (a collapsed model predicts almost only O). */
  outside_fraction: number | null;
  /** ‖θ_encoder,final − θ_encoder,start‖ / ‖θ_encoder,start‖: the checkpoint (or random init) it started from. */
  drift: number | null;
  steps: number | null;
  wall_seconds: number;
  tokens_per_second: number | null;
  settings: Partial<TrainConfig>;
}

const BIN = fileURLToPath(new URL('../../../bin/ner.js', import.meta.url));

/** Runs every setup × seed not yet finished in `out`, `parallel` at a time, each as `ner train`. */
export async function runGrid(cfg: CompareConfig, out: string): Promise<RunRecord[]> {
  const jobs: Job[] = cfg.setups.flatMap((setup) => seedsOf(cfg, setup).map((seed) => ({ setup, seed, dir: join(out, 'runs', setup.name, `seed-${seed}`), settings: setupSettings(cfg, setup) })));
  const progress = new Progress();
  const records: RunRecord[] = [];
  let done = 0;
  for (const j of jobs) checkSameSettings(j.dir, { ...j.settings, seed: j.seed });
  const pending = jobs.filter((j) => {
    const f = join(j.dir, 'result.json');
    if (!existsSync(f)) return true;
    let record: RunRecord;
    try {
      record = JSON.parse(readFileSync(f, 'utf8')) as RunRecord;
    } catch {
      return true; // unreadable (a torn write by an old version, a damaged disk): run it again
    }
    record.settings = camelKeys(record.settings);
    // Results written before loss_curve existed: rebuild it from the run's own log.
    record.loss_curve ??= lossCurve(readLog(j.dir));
    record.dev_points ??= devPoints(readLog(j.dir));
    records.push(record);
    done++;
    return false;
  });
  progress.start(`compare (${jobs.length} runs)`, jobs.length, done, false);
  if (done > 0) progress.log(`${done} finished run(s) found in ${out}: skipped`);
  const queue = [...pending];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const record = await runOne(job);
      records.push(record);
      done++;
      progress.update(done);
      progress.log(`${job.setup.name} seed ${job.seed}: ${record.status === 'ok' ? `test F1 ${record.test ? (100 * record.test.f1).toFixed(2) : '-'}, drift ${record.drift?.toFixed(3) ?? '-'}` : `FAILED (${record.error})`}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.parallel, Math.max(1, pending.length)) }, worker));
  progress.stop();
  const order = (r: RunRecord) => jobs.findIndex((j) => j.setup.name === r.setup && j.seed === r.seed);
  return records.sort((a, b) => order(a) - order(b));
}

/** Settings that change what a run writes down, not what it trains: a grid may change them between runs. */
const RECORDING_ONLY = new Set(['logEvery', 'evalEvery', 'saveEvery']);

/**
 * A run folder left by an earlier `ner compare` must have been run with the settings asked for now:
 * skipping or resuming it otherwise would report numbers the config did not produce.
 */

function checkSameSettings(dir: string, wanted: Record<string, unknown>): void {
  const file = join(dir, 'train-config.json');
  if (!existsSync(file)) return;
  const { out: _out, ...had } = camelKeys<Record<string, unknown>>(JSON.parse(readFileSync(file, 'utf8')));
  const keys = [...new Set([...Object.keys(had), ...Object.keys(wanted)])].filter((k) => !RECORDING_ONLY.has(k)).sort();
  const differ = keys.filter((k) => JSON.stringify(had[k]) !== JSON.stringify(wanted[k]));
  if (differ.length === 0) return;
  const shown = differ.map((k) => `${k} ${JSON.stringify(had[k])} → ${JSON.stringify(wanted[k])}`).join(', ');
  throw new UsageError(`${file}: this run was made with other settings (${shown}); use another --out, or delete ${dir} to run it again`);
}

interface Job {
  setup: Setup;
  seed: number;
  dir: string;
  settings: Partial<TrainConfig>;
}

/** One run; anything that goes wrong with it (an unreadable result, a crash) is a failed run, retried next time, never fatal to the grid. */
async function runOne(job: Job): Promise<RunRecord> {
  try {
    return await runJob(job);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { setup: job.setup.name, seed: job.seed, status: 'failed', error, epochs: [], loss_curve: [], dev_points: [], test: null, outside_fraction: null, drift: null, steps: null, wall_seconds: 0, tokens_per_second: null, settings: job.settings };
  }
}

async function runJob({ setup, seed, dir, settings }: Job): Promise<RunRecord> {
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'train-config.json');
  writeFileSync(configFile, JSON.stringify(snakeKeys({ ...settings, seed, out: dir }), null, 2));
  const resume = existsSync(join(dir, 'state', 'trainer.json'));
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, 'train', '--config', configFile, '--json', ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-20000)));
    child.on('close', (c) => done({ code: c ?? 1, stdout: out, stderr: err }));
  });
  writeFileSync(join(dir, 'train.log'), stderr);
  const wall = (Date.now() - started) / 1000;
  const base: RunRecord = { setup: setup.name, seed, status: 'failed', epochs: [], loss_curve: [], dev_points: [], test: null, outside_fraction: null, drift: null, steps: null, wall_seconds: wall, tokens_per_second: null, settings };
  if (code !== 0) {
    // Not written as result.json: a rerun retries it.
    const error = stderr.trim().split('\n').filter((l) => l.startsWith('ner:')).join(' ') || `exit code ${code}`;
    const record = { ...base, error };
    writeFileSync(join(dir, 'failed.json'), JSON.stringify(snakeKeys(record), null, 2));
    return record;
  }
  const result = JSON.parse(stdout) as { steps: number; tokens_per_second: number; encoder_drift: number; test: { precision: number; recall: number; f1: number; outside_fraction: number } | null };
  const log = readLog(dir);
  const record: RunRecord = {
    ...base,
    status: 'ok',
    epochs: lastPer(log.filter((r) => r.type === 'epoch'), 'epoch').map(({ type: _t, ...r }) => r as Record<string, number | null>),
    loss_curve: lossCurve(log),
    dev_points: devPoints(log),
    test: result.test ? { precision: result.test.precision, recall: result.test.recall, f1: result.test.f1 } : null,
    outside_fraction: result.test?.outside_fraction ?? null,
    drift: result.encoder_drift,
    steps: result.steps,
    tokens_per_second: result.tokens_per_second,
  };
  writeAtomic(join(dir, 'result.json'), JSON.stringify(snakeKeys(record), null, 2));
  return record;
}

type LogLine = Record<string, number | null | string>;

function readLog(dir: string): LogLine[] {
  const file = join(dir, 'train_log.jsonl');
  if (!existsSync(file)) return [];
  // A line torn by a kill mid-append is skipped here (the next `ner train --resume` cuts it off).
  return readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l) as LogLine] : [];
    } catch {
      return [];
    }
  });
}

function devPoints(log: LogLine[]): { step: number; dev_f1: number }[] {
  return lastPer(log.filter((r) => r.type === 'dev' && typeof r.dev_f1 === 'number'), 'step').map((r) => ({ step: Number(r.step), dev_f1: Number(r.dev_f1) }));
}

function lossCurve(log: LogLine[]): { step: number; loss: number }[] {
  return lastPer(log.filter((r) => r.type === 'step' && typeof r.loss === 'number'), 'step').map((r) => ({ step: Number(r.step), loss: Number(r.loss) }));
}

/** A resumed run re-logs the steps after its last saved state: keep the last line per key. */
function lastPer(lines: LogLine[], key: string): LogLine[] {
  return [...new Map(lines.map((l) => [l[key], l])).values()].sort((a, b) => Number(a[key]) - Number(b[key]));
}
