import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readResult, recordLine, runOne, type GridRun, type RunRecord, type TrainProgress } from '../compare/run.js';
import { note } from '../util/progress.js';
import { redact } from '../util/secrets.js';
import { JobRefused, QUEUE_NAME, QUEUE_PREFIX, runOfJob, type WorkerPlaces } from './jobs.js';
import type { QueueAddress } from './queue-url.js';
import { checkReachable } from './reach.js';

export interface GridWorkerOptions {
  address: QueueAddress;
  places: WorkerPlaces;
  concurrency: number;
  lockMs: number;
  stalledMs: number;
  maxStalled: number;
  /** Shown in `ner compare`'s progress and recorded with each result; default host/pid. */
  name?: string;
}

/**
 * `ner worker`: takes runs from the queue and trains each as a child `ner train` in its own
 * folder under the workdir, until stopped. BullMQ's lock is the liveness signal: a worker that
 * dies stops renewing it and the job goes back to the queue for another worker (which resumes
 * the saved state when it shares the workdir).
 */
export async function runWorker(o: GridWorkerOptions): Promise<void> {
  const name = o.name ?? `${hostname()}/${process.pid}`;
  const say = (line: string) => note(redact(`ner worker ${name}: ${line}`));
  await checkReachable(o.address);
  const worker = new Worker<unknown, RunRecord>(QUEUE_NAME, (job) => processJob(job, o.places, name, say), {
    connection: o.address.connection,
    prefix: QUEUE_PREFIX,
    name,
    concurrency: o.concurrency,
    lockDuration: o.lockMs,
    stalledInterval: o.stalledMs,
    maxStalledCount: o.maxStalled,
    autorun: false,
  });
  let lastError = 0;
  worker.on('error', (err) => {
    // A Redis restart shows as connection errors until it is back: one line every 10 s, not one per retry.
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    say(`queue error: ${err.message} (retrying)`);
  });
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stopping) {
      stopping = true;
      say(`${signal}: finishing the run(s) in progress, taking no new ones (${signal} again to stop now: they go back to the queue and resume from their saved state)`);
      void worker.close();
      return;
    }
    // The children notice (their IPC channel closes), save their state and stop; the jobs' locks expire.
    say(`${signal} again: stopping now`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  say(`ready: queue ${o.address.shown}, workdir ${o.places.workdir}, data root ${o.places.dataRoot}, ${o.concurrency} run(s) at a time${o.places.backend ? `, backend ${o.places.backend}` : ''}`);
  await worker.run();
  say('stopped');
}

async function processJob(job: Job<unknown, RunRecord>, places: WorkerPlaces, name: string, say: (line: string) => void): Promise<RunRecord> {
  const id = String(job.id);
  let run: GridRun;
  try {
    run = runOfJob(id, job.data, places);
  } catch (err) {
    // Refused is final: retrying a job that breaks the rules would only refuse it again.
    if (err instanceof JobRefused) {
      say(err.message);
      throw new UnrecoverableError(err.message);
    }
    throw err;
  }
  const where = { host: hostname(), worker: name, model_dir: run.dir };
  // Finished before its worker could report it (killed just then, or Redis lost the last second): report, do not rerun.
  const prior = readResult(run);
  if (prior?.status === 'ok') {
    say(`${id}: already finished in ${run.dir}: reported`);
    return { ...prior, ...where };
  }
  const resuming = existsSync(join(run.dir, 'state', 'trainer.json'));
  say(`${id}: started (attempt ${job.attemptsMade + 1} of ${job.opts.attempts ?? 1}${resuming ? ', resuming its saved state' : ''}) in ${run.dir}`);
  const onProgress = (p: TrainProgress) => void job.updateProgress({ ...p }).catch(() => undefined);
  const record = await runOne(run, { detached: true, onProgress });
  if (record.status !== 'ok') {
    say(`${id}: failed: ${record.error}`);
    throw new Error(record.error ?? 'failed');
  }
  say(`${id}: done (${recordLine(record)}, ${record.wall_seconds.toFixed(1)} s)`);
  return { ...record, ...where };
}
