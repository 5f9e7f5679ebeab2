import { Queue, type Job } from 'bullmq';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareConfig } from '../compare/config.js';
import { failedRecord, inGridOrder, planGrid, recordLine, type GridRun, type RunRecord, type TrainProgress } from '../compare/run.js';
import { writeRunConfig } from '../compare/run-settings.js';
import { writeAtomic } from '../util/files.js';
import { snakeKeys } from '../util/json-keys.js';
import { Progress } from '../util/progress.js';
import { redact } from '../util/secrets.js';
import { jobOf, QUEUE_NAME, QUEUE_PREFIX, type JobPayload } from './jobs.js';
import type { QueueAddress } from './queue-url.js';
import { checkReachable } from './reach.js';

export interface QueueGridOptions {
  address: QueueAddress;
  /** The submitting side's data root: data paths travel relative to it. */
  dataRoot: string;
  attempts: number;
  backoffMs: number;
  pollMs: number;
  /** Seconds between status lines (queued / active / done / failed, and what each worker runs). */
  statusSeconds?: number;
}

interface QueuedRun {
  run: GridRun;
  id: string;
  payload: JobPayload;
  label: string;
}

/**
 * `ner compare --queue`: every run not finished in `out` becomes a job (an existing job of the
 * same id is attached to, never added twice), then the grid is followed until every job has
 * completed or failed. Each result is also written to out/runs/<setup>/seed-<n>/result.json, so
 * report, results.json and curves come out as from a local run, and a rerun skips it.
 */
export async function runGridOnQueue(cfg: CompareConfig, out: string, o: QueueGridOptions): Promise<RunRecord[]> {
  const { runs, finished, pending } = planGrid(cfg, out);
  // Before anything is queued: a path no worker could read stops here.
  const jobs: QueuedRun[] = pending.map((run) => ({ run, ...jobOf(run, o.dataRoot), label: `${run.setup.name} seed ${run.seed}` }));
  const progress = new Progress();
  const say = (line: string) => progress.log(redact(line));
  progress.start(`compare (${runs.length} runs, queue ${o.address.shown})`, runs.length, finished.length, false);
  if (finished.length > 0) say(`${finished.length} finished run(s) found in ${out}: skipped`);
  if (jobs.length === 0) {
    progress.stop();
    return inGridOrder(runs, finished);
  }
  await checkReachable(o.address);
  const queue = new Queue(QUEUE_NAME, { connection: o.address.connection, prefix: QUEUE_PREFIX });
  let lastError = 0;
  queue.on('error', (err) => {
    if (Date.now() - lastError < 10_000) return;
    lastError = Date.now();
    say(`queue ${o.address.shown}: ${err.message} (reconnecting; finished results are kept in Redis and in the workers' folders)`);
  });
  try {
    await enqueue(queue, jobs, o, say);
    const records = await follow(queue, jobs, o, (done) => progress.update(finished.length + done), say);
    const per = new Map<string, number>();
    for (const r of records) if (r.worker) per.set(r.worker, (per.get(r.worker) ?? 0) + 1);
    if (per.size) say(`runs per worker: ${[...per].map(([w, n]) => `${w} ${n}`).join(', ')}`);
    return inGridOrder(runs, [...finished, ...records]);
  } finally {
    progress.stop();
    await queue.close();
  }
}

function addJob(queue: Queue, j: QueuedRun, o: QueueGridOptions): Promise<Job> {
  // Finished jobs stay in Redis (removeOnComplete off): their return values are the results.
  return queue.add('run', j.payload, { jobId: j.id, attempts: o.attempts, backoff: { type: 'exponential', delay: o.backoffMs }, removeOnComplete: false, removeOnFail: false });
}

async function enqueue(queue: Queue, jobs: QueuedRun[], o: QueueGridOptions, say: (line: string) => void): Promise<void> {
  let added = 0;
  let attached = 0;
  let retried = 0;
  for (const j of jobs) {
    writeRunConfig(j.run); // the settings asked for, which a rerun into this folder is checked against
    const existing = await queue.getJob(j.id);
    if (!existing) {
      await addJob(queue, j, o);
      added++;
    } else if ((await existing.getState()) === 'failed') {
      // As a local rerun retries its failed runs.
      await existing.retry('failed');
      retried++;
    } else attached++;
  }
  say(`queue ${o.address.shown}: ${added} run(s) queued, ${attached} already in the queue (attached)${retried ? `, ${retried} failed before (queued again)` : ''}`);
}

/** Polls the jobs' states until each has completed or failed; reports transitions and a status line. */
async function follow(queue: Queue, jobs: QueuedRun[], o: QueueGridOptions, update: (done: number) => void, say: (line: string) => void): Promise<RunRecord[]> {
  const left = new Map(jobs.map((j) => [j.id, j]));
  const records: RunRecord[] = [];
  const seen = new Map<string, string>();
  let lastStatus = '';
  let lastStatusAt = 0;
  for (;;) {
    const active: string[] = [];
    let queued = 0;
    for (const [id, j] of left) {
      const job = await queue.getJob(id);
      if (!job) {
        // Gone from Redis (flushed, or restarted without AOF): queue it again; a worker that finished it reports its result.json.
        await addJob(queue, j, o);
        say(`${j.label}: no longer in the queue: queued again`);
        continue;
      }
      const state = await job.getState();
      const record = state === 'completed' ? recordOfJob(job, j.run) : state === 'failed' ? failedRecord(j.run, job.failedReason || 'failed') : undefined;
      if (record) {
        keep(j.run, record);
        records.push(record);
        left.delete(id);
        say(`${j.label}: ${recordLine(record)}${record.status === 'ok' ? ` (${record.worker ?? job.processedBy ?? '?'}, ${record.wall_seconds.toFixed(1)} s)` : ` after ${job.attemptsMade} attempt(s)`}`);
        update(records.length);
        continue;
      }
      const now = state === 'active' ? `active on ${job.processedBy ?? '?'}` : 'queued';
      const before = seen.get(id);
      if (before !== now) {
        if (state === 'active') say(`${j.label}: started on ${job.processedBy ?? '?'}${job.attemptsMade > 0 || job.stalledCounter > 0 ? ` (again: ${job.stalledCounter > 0 ? 'its previous worker stopped answering' : `attempt ${job.attemptsMade + 1}`})` : ''}`);
        else if (before?.startsWith('active')) say(`${j.label}: back in the queue (${job.failedReason ? `failed: ${job.failedReason}` : 'its worker stopped answering'})`);
        seen.set(id, now);
      }
      if (state === 'active') active.push(`${job.processedBy ?? '?'}: ${j.label}${progressText(job.progress)}`);
      else queued++;
    }
    if (left.size === 0) return records;
    const failed = records.filter((r) => r.status === 'failed').length;
    const status = `queue: ${queued} queued, ${active.length} active, ${records.length - failed} done, ${failed} failed${active.length ? ` | ${active.sort().join(' | ')}` : ''}`;
    const every = (o.statusSeconds ?? 10) * 1000;
    if (status !== lastStatus && Date.now() - lastStatusAt >= every) {
      say(status);
      lastStatus = status;
      lastStatusAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, o.pollMs));
  }
}

/** A completed job's return value as this grid's record: checked to be the run asked for, with the settings as this side wrote them. */
function recordOfJob(job: Job, run: GridRun): RunRecord {
  const r = job.returnvalue as RunRecord | null;
  if (typeof r !== 'object' || r === null || r.setup !== run.setup.name || r.seed !== run.seed || r.status !== 'ok') return failedRecord(run, `job ${job.id}: the worker returned no result for this run`);
  return { ...r, settings: run.settings };
}

/** The result in this grid's own folder, as a local run leaves it: a rerun skips it (or retries a failure). */
function keep(run: GridRun, record: RunRecord): void {
  const text = JSON.stringify(snakeKeys(record), null, 2);
  if (record.status === 'ok') writeAtomic(join(run.dir, 'result.json'), text);
  else writeFileSync(join(run.dir, 'failed.json'), text);
}

function progressText(p: unknown): string {
  if (typeof p !== 'object' || p === null) return '';
  const { epoch, epochs, batch, batches, loss } = p as Partial<TrainProgress>;
  return ` epoch ${epoch}/${epochs}${batch !== undefined ? ` batch ${batch}/${batches}` : ''}${typeof loss === 'number' ? ` loss ${loss.toFixed(4)}` : ''}`;
}
