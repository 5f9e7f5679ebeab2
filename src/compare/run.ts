import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrainConfig } from '../config/schema.js';
import { Progress } from '../util/progress.js';
import { writeAtomic } from '../util/files.js';
import { seedsOf, setupSettings, type CompareConfig, type Setup } from './config.js';
import { camelKeys, snakeKeys } from '../util/json-keys.js';
import { checkSameSettings, writeRunConfig } from './run-settings.js';

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
  /** The step the run's last process resumed from: its wall_seconds cover only the steps after it (null: one process did it all). */
  resumed_from_step?: number | null;
  tokens_per_second: number | null;
  settings: Partial<TrainConfig>;
  /** Runs from a queue: the host and worker (host/pid) that ran it, and where its model folder is on that host. */
  host?: string;
  worker?: string;
  model_dir?: string;
}

/** Characters of a run's stderr kept in its train.log, and how many of them from its start. */
const LOG_KEEP = 20000;
const LOG_HEAD = 4000;

const BIN = fileURLToPath(new URL('../../../bin/ner.js', import.meta.url));

/** One (setup, seed) run of a grid and the folder it trains in. */
export interface GridRun {
  setup: Setup;
  seed: number;
  dir: string;
  settings: Partial<TrainConfig>;
}

/** What a training child reports while it runs (parsed from its progress lines). */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch?: number;
  batches?: number;
  loss?: number;
}

export interface RunOptions {
  onProgress?: (p: TrainProgress) => void;
  /** Own process group: a Ctrl-C meant for the parent (a queue worker finishing its runs) does not reach the child. */
  detached?: boolean;
}

/** The grid's runs in order: every setup with each of its seeds, each in DIR/runs/<setup>/seed-<n>. */
function gridRuns(cfg: CompareConfig, out: string): GridRun[] {
  return cfg.setups.flatMap((setup) => seedsOf(cfg, setup).map((seed) => ({ setup, seed, dir: join(out, 'runs', setup.name, `seed-${seed}`), settings: setupSettings(cfg, setup) })));
}

/**
 * The grid's runs, split into those finished in `out` (their records) and those still to run.
 * Every folder left by an earlier run must have been made with the settings asked for now.
 */
export function planGrid(cfg: CompareConfig, out: string): { runs: GridRun[]; finished: RunRecord[]; pending: GridRun[] } {
  const runs = gridRuns(cfg, out);
  for (const r of runs) checkSameSettings(r.dir, { ...r.settings, seed: r.seed });
  const finished: RunRecord[] = [];
  const pending = runs.filter((r) => {
    const record = readResult(r);
    if (record) finished.push(record);
    return !record;
  });
  return { runs, finished, pending };
}

/**
 * A record a run folder holds (result.json, or failed.json with `file`), or undefined when there is
 * none or it cannot be read (a torn write by an old version, a damaged disk: run it again). The
 * folder names the run: a setup renamed in the config (and its folder with it) keeps its runs.
 */
function readRecord(run: GridRun, file: string): RunRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(run.dir, file), 'utf8')) as RunRecord;
    return { ...record, setup: run.setup.name, seed: run.seed, settings: camelKeys(record.settings ?? {}) };
  } catch {
    return undefined;
  }
}

/** A finished run's record (result.json), undefined while there is none. */
export function readResult(run: GridRun): RunRecord | undefined {
  const { dir } = run;
  const record = readRecord(run, 'result.json');
  if (!record) return undefined;
  // Results written before loss_curve or dev_points existed: rebuild them from the run's own log (read once).
  if (!record.loss_curve || !record.dev_points) {
    const log = readLog(dir);
    record.loss_curve ??= lossCurve(log);
    record.dev_points ??= devPoints(log);
  }
  if (record.resumed_from_step === undefined && existsSync(join(dir, 'train.log'))) record.resumed_from_step = resumedFrom(readFileSync(join(dir, 'train.log'), 'utf8'));
  return record;
}

/** The failed.json a run that did not finish left (retried by the next run of the grid), if any. */
export function readFailure(run: GridRun): RunRecord | undefined {
  const record = readRecord(run, 'failed.json');
  return record?.status === 'failed' ? record : undefined;
}

/** Records in the grid's order (setups as in the config, seeds as listed). */
export function inGridOrder(runs: GridRun[], records: RunRecord[]): RunRecord[] {
  const order = (r: RunRecord) => runs.findIndex((j) => j.setup.name === r.setup && j.seed === r.seed);
  return [...records].sort((a, b) => order(a) - order(b));
}

/** Runs every setup × seed not yet finished in `out`, `parallel` at a time, each as `ner train`. */
export async function runGrid(cfg: CompareConfig, out: string): Promise<RunRecord[]> {
  const { runs, finished, pending } = planGrid(cfg, out);
  const progress = new Progress();
  const records = [...finished];
  let done = finished.length;
  progress.start(`compare (${runs.length} runs)`, runs.length, done, false);
  if (done > 0) progress.log(`${done} finished run(s) found in ${out}: skipped`);
  const queue = [...pending];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const record = await runOne(job);
      records.push(record);
      done++;
      progress.update(done);
      progress.log(`${job.setup.name} seed ${job.seed}: ${recordLine(record)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.parallel, Math.max(1, pending.length)) }, worker));
  progress.stop();
  return inGridOrder(runs, records);
}

/** "test F1 48.16, drift 0.392" or "FAILED (why)": a finished run in one line. */
export function recordLine(record: RunRecord): string {
  return record.status === 'ok' ? `test F1 ${record.test ? (100 * record.test.f1).toFixed(2) : '-'}, drift ${record.drift?.toFixed(3) ?? '-'}` : `FAILED (${record.error})`;
}

/** A run that did not finish, with why. */
export function failedRecord(run: GridRun, error: string, wall = 0): RunRecord {
  return { setup: run.setup.name, seed: run.seed, status: 'failed', error, epochs: [], loss_curve: [], dev_points: [], test: null, outside_fraction: null, drift: null, steps: null, wall_seconds: wall, tokens_per_second: null, settings: run.settings };
}

/**
 * One run as a child `ner train` (resumed when the folder holds a saved state); anything that goes
 * wrong with it (an unreadable result, a crash) is a failed run, retried next time, never fatal to
 * the grid. The local pool and the queue worker both run this.
 */
export async function runOne(run: GridRun, options: RunOptions = {}): Promise<RunRecord> {
  try {
    return await runJob(run, options);
  } catch (err) {
    return failedRecord(run, err instanceof Error ? err.message : String(err));
  }
}

async function runJob(run: GridRun, options: RunOptions): Promise<RunRecord> {
  const { dir } = run;
  const configFile = writeRunConfig(run);
  const resume = existsSync(join(dir, 'state', 'trainer.json'));
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    // The IPC channel is how the child notices its parent died (even by SIGKILL): it then stops and saves its state instead of training on as an orphan.
    const child = spawn(process.execPath, [BIN, 'train', '--config', configFile, '--json', ...(resume ? ['--resume'] : [])], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: options.detached ?? false });
    let out = '';
    // stderr as train.log keeps it: whole up to LOG_KEEP characters, else its head (backend, config,
    // a "resuming … at step N" line) and its tail (the last steps, the error).
    let whole = '';
    let head = '';
    let tail = '';
    let total = 0;
    let partial = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      total += text.length;
      if (total <= LOG_KEEP) whole += text;
      if (head.length < LOG_HEAD) head = (head + text).slice(0, LOG_HEAD);
      tail = (tail + text).slice(-(LOG_KEEP - LOG_HEAD));
      if (!options.onProgress) return;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const p = parseProgress(line);
        if (p) options.onProgress(p);
      }
    });
    child.on('close', (c) => done({ code: c ?? 1, stdout: out, stderr: total <= LOG_KEEP ? whole : `${head}\n[… ${total - head.length - tail.length} characters cut …]\n${tail}` }));
  });
  writeFileSync(join(dir, 'train.log'), stderr);
  const wall = (Date.now() - started) / 1000;
  if (code !== 0) {
    // Not written as result.json: a rerun retries it.
    const record = failedRecord(run, stderr.trim().split('\n').filter((l) => l.startsWith('ner:')).join(' ') || `exit code ${code}`, wall);
    writeFileSync(join(dir, 'failed.json'), JSON.stringify(snakeKeys(record), null, 2));
    return record;
  }
  const result = JSON.parse(stdout) as { steps: number; resumed_from_step?: number | null; tokens_per_second: number; encoder_drift: number; test: { precision: number; recall: number; f1: number; outside_fraction: number } | null };
  const log = readLog(dir);
  const record: RunRecord = {
    ...failedRecord(run, '', wall),
    status: 'ok',
    epochs: lastPer(log.filter((r) => r.type === 'epoch'), 'epoch').map(({ type: _t, ...r }) => r as Record<string, number | null>),
    loss_curve: lossCurve(log),
    dev_points: devPoints(log),
    test: result.test ? { precision: result.test.precision, recall: result.test.recall, f1: result.test.f1 } : null,
    outside_fraction: result.test?.outside_fraction ?? null,
    drift: result.encoder_drift,
    steps: result.steps,
    resumed_from_step: result.resumed_from_step ?? null,
    tokens_per_second: result.tokens_per_second,
  };
  delete record.error;
  writeAtomic(join(dir, 'result.json'), JSON.stringify(snakeKeys(record), null, 2));
  return record;
}

/** The step of `ner train`'s "resuming DIR at step N" line, or null when the run started from scratch. */
export function resumedFrom(stderr: string): number | null {
  const m = /^resuming .* at step (\d+) \(/m.exec(stderr);
  return m ? Number(m[1]) : null;
}

/** `epoch 1/2 25/25 loss 4.9764 …` and `epoch 1: dev P … F1 32.08`, the lines `ner train` prints as it goes. */
export function parseProgress(line: string): TrainProgress | undefined {
  const step = /^epoch (\d+)\/(\d+) (\d+)\/(\d+) loss ([\d.]+)/.exec(line);
  if (step) return { epoch: Number(step[1]), epochs: Number(step[2]), batch: Number(step[3]), batches: Number(step[4]), loss: Number(step[5]) };
  return undefined;
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
