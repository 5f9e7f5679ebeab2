import { Command, Option } from 'commander';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { BACKENDS, type BackendChoice } from '../backend.js';
import { GRID_DEFAULTS } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { parseQueueUrl } from '../grid/queue-url.js';
import { runWorker } from '../grid/worker.js';
import { parseInteger } from './options.js';

const int = (min: number, max: number) => (v: string) => parseInteger(v, min, max);

interface WorkerFlags {
  queue: string;
  concurrency: number;
  workdir: string;
  dataRoot?: string;
  backend?: BackendChoice;
  name?: string;
  lockMs: number;
  stalledMs: number;
  maxStalled: number;
}

export function workerCommand(): Command {
  const d = GRID_DEFAULTS;
  return new Command('worker')
    .description('Take runs of `ner compare --queue` grids from a BullMQ queue in Redis and train each (a child `ner train` per run), until stopped (Ctrl-C: finish the runs in progress; twice: stop now, they resume elsewhere).')
    .requiredOption('--queue <url>', 'redis://[user:password@]host[:port][/db] or rediss://… (TLS); the password may come from $NER_REDIS_PASSWORD instead, and is never printed')
    .addOption(new Option('--concurrency <n>', 'runs at once on this machine').argParser(int(1, 64)).default(d.concurrency))
    .option('--workdir <dir>', 'run folders go to DIR/runs/<grid>/<setup>/seed-<n> (a run that comes back to the same workdir resumes its saved state)', 'ner-worker')
    .option('--data-root <dir>', "data paths in jobs are relative to this folder and may not leave it (default: the current directory)")
    .addOption(new Option('--backend <name>', "tfjs backend for every run, replacing the job's").choices(BACKENDS))
    .option('--name <name>', 'how this worker is shown and recorded (default: host/pid)')
    .addOption(new Option('--lock-ms <ms>', 'lock on a running job, renewed every half of it; a worker silent this long is taken for dead').argParser(int(1000, 3_600_000)).default(d.lockMs))
    .addOption(new Option('--stalled-ms <ms>', 'how often this worker looks for jobs whose worker died').argParser(int(500, 3_600_000)).default(d.stalledMs))
    .addOption(new Option('--max-stalled <n>', 'times a job may lose its worker before it is failed').argParser(int(0, 1000)).default(d.maxStalled))
    .action(async (flags: WorkerFlags) => {
      const address = parseQueueUrl(flags.queue);
      const dataRoot = resolve(flags.dataRoot ?? '.');
      if (!existsSync(dataRoot) || !statSync(dataRoot).isDirectory()) throw new UsageError(`--data-root ${dataRoot}: not a folder`);
      if (flags.name !== undefined && !/^[\w.@/-]{1,100}$/.test(flags.name)) throw new UsageError('--name: letters, digits and . _ @ / - only (at most 100)');
      const workdir = resolve(flags.workdir);
      try {
        mkdirSync(workdir, { recursive: true });
      } catch (err) {
        throw new UsageError(`--workdir ${workdir}: cannot create it (${(err as Error).message})`);
      }
      await runWorker({
        address,
        places: { workdir, dataRoot, ...(flags.backend ? { backend: flags.backend } : {}) },
        concurrency: flags.concurrency,
        lockMs: flags.lockMs,
        stalledMs: flags.stalledMs,
        maxStalled: flags.maxStalled,
        ...(flags.name ? { name: flags.name } : {}),
      });
    });
}
