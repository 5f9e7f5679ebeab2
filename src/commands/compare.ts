import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCompareConfig, parseWholeNumbers, selectSetups, withSeeds } from '../compare/config.js';
import { curvesSvg } from '../compare/plot.js';
import { contrasts, reportMarkdown, summarize, type PendingRun, type SetupSummary } from '../compare/report.js';
import { inGridOrder, planGrid, readFailure, runGrid, type RunRecord } from '../compare/run.js';
import type { CompareConfig } from '../compare/config.js';
import { GRID_DEFAULTS } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { parseQueueUrl } from '../grid/queue-url.js';
import { runGridOnQueue, type QueueGridOptions } from '../grid/submit.js';
import { writeAtomic } from '../util/files.js';
import { makeFolder } from '../train/out-folder.js';
import { lockFolder } from '../util/run-lock.js';
import { printJson, printText } from './output.js';
import { snakeKeys } from '../util/json-keys.js';

export function compareCommand(): Command {
  return new Command('compare')
    .description('Run optimizer setups × seeds and report test F1, drift from the checkpoint and why setups collapse (report.md, results.json, curves.svg).')
    .requiredOption('--config <file>', 'JSON: {"base": {training settings}, "seeds": [1,2,3], "setups": [{"name", …settings}], "parallel": 2}')
    .requiredOption('--out <dir>', 'results folder; rerunning with the same folder skips finished runs and resumes interrupted ones')
    .option('--setups <names>', 'run and report only these setups (comma-separated names from the config), e.g. the rows that fit in the time you have; a later run with more setups skips the finished ones')
    .option('--seeds <list>', "run every setup with these seeds, e.g. 1,2,3, instead of the config's (its setups' own seeds included); finished seeds in --out are skipped, so this adds seeds to a grid")
    .option('--parallel <n>', "override the config's number of runs at once (each a `ner train` process)")
    .option('--queue <url>', 'run the grid on a BullMQ queue in Redis instead of here: redis://[user:password@]host[:port][/db] or rediss://… (TLS); `ner worker` processes on any machine take the runs. The password may come from $NER_REDIS_PASSWORD instead, and is never printed')
    .option('--data-root <dir>', 'with --queue: data paths travel relative to this folder (default: the current directory); each worker reads them under its own --data-root')
    .option('--attempts <n>', `with --queue: tries per run before it is reported failed (default ${GRID_DEFAULTS.attempts})`)
    .option('--backoff-ms <ms>', `with --queue: wait before the second try, doubled for each next one (default ${GRID_DEFAULTS.backoffMs})`)
    .option('--report-only', 'train nothing: write report.md, results.json and curves.svg from the runs already finished in --out, listing the ones still to run (safe while a grid is running there)')
    .option('--json', 'print the per-setup summary as JSON')
    .action(async (opts: CompareFlags) => {
      const all = loadCompareConfig(opts.config);
      let cfg = opts.setups === undefined ? all : selectSetups(all, opts.setups.split(',').map((n) => n.trim()).filter(Boolean));
      if (opts.seeds !== undefined) cfg = withSeeds(cfg, [...new Set(parseWholeNumbers('--seeds', opts.seeds, 0))]);
      checkQueueFlags(opts);
      const onQueue = opts.queue === undefined ? undefined : queueOptions(opts);
      if (opts.parallel !== undefined) {
        const [parallel] = parseWholeNumbers('--parallel', opts.parallel, 1, true);
        cfg = { ...cfg, parallel };
      }
      if (opts.reportOnly) return reportOnly(cfg, opts);
      makeFolder(opts.out);
      // One grid per folder: a second `ner compare` there would run every job twice.
      const lock = lockFolder(opts.out, 'running ner compare', (m) => process.stderr.write(`ner compare: ${m}\n`));
      try {
        const records = onQueue ? await runGridOnQueue(cfg, opts.out, onQueue) : await runGrid(cfg, opts.out);
        const summaries = await writeReport(cfg, opts.out, records, []);
        if (opts.json) printJson(snakeKeys(summaries));
        else printText(`${records.length} runs (${records.filter((r) => r.status === 'failed').length} failed): ${join(opts.out, 'report.md')}, results.json, curves.svg`);
      } finally {
        lock.release();
      }
    });
}

/** report.md, results.json and curves.svg of these records (each file replaced whole, so a reader never sees half of one). */
async function writeReport(cfg: CompareConfig, out: string, records: RunRecord[], pending: PendingRun[]): Promise<SetupSummary[]> {
  const summaries = summarize(cfg, records);
  writeAtomic(join(out, 'results.json'), JSON.stringify(snakeKeys({ config: cfg, runs: records, setups: summaries, contrasts: contrasts(cfg, summaries), ...(pending.length ? { pending } : {}) }), null, 2));
  writeAtomic(join(out, 'report.md'), reportMarkdown(cfg, records, summaries, pending));
  writeAtomic(join(out, 'curves.svg'), await curvesSvg(records));
  return summaries;
}

/**
 * The report of what a grid has finished so far. It reads run folders and replaces only the report
 * files, so it takes no lock: a grid running in the same folder rewrites them when it ends.
 */
async function reportOnly(cfg: CompareConfig, opts: CompareFlags): Promise<void> {
  if (opts.queue !== undefined || opts.parallel !== undefined) throw new UsageError('--report-only trains nothing: drop --queue and --parallel');
  if (!existsSync(opts.out)) throw new UsageError(`${opts.out}: no such folder; --report-only reports the runs a grid finished there`);
  const { runs, finished, pending } = planGrid(cfg, opts.out);
  // A run that failed is still to run (the next grid retries it), and its reason belongs in the report.
  const failures = new Map(pending.flatMap((r) => { const f = readFailure(r); return f ? [[r, f] as const] : []; }));
  const waiting = pending.map((r) => ({ setup: r.setup.name, seed: r.seed, ...(failures.has(r) ? { failed: true } : {}) }));
  const summaries = await writeReport(cfg, opts.out, inGridOrder(runs, [...finished, ...failures.values()]), waiting);
  if (opts.json) printJson(snakeKeys({ finished: finished.length, runs: runs.length, pending: waiting, setups: summaries }));
  else printText(`${finished.length} of ${runs.length} runs finished (${pending.length} still to run): ${join(opts.out, 'report.md')}, results.json, curves.svg`);
}

interface CompareFlags {
  config: string;
  out: string;
  setups?: string;
  seeds?: string;
  parallel?: string;
  queue?: string;
  dataRoot?: string;
  attempts?: string;
  backoffMs?: string;
  reportOnly?: boolean;
  json?: boolean;
}

/** --queue's companions need it; --parallel is the local pool's (on a queue, each worker's --concurrency). */
function checkQueueFlags(opts: CompareFlags): void {
  const used = (['dataRoot', 'attempts', 'backoffMs'] as const).filter((k) => opts[k] !== undefined);
  if (opts.queue === undefined && used.length) throw new UsageError(`--${used[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} applies only with --queue`);
  if (opts.queue !== undefined && opts.parallel !== undefined) throw new UsageError("--parallel applies to local runs; on a queue each worker's --concurrency sets how many run at once");
}

function queueOptions(opts: CompareFlags): QueueGridOptions {
  const number = (flag: string, value: string | undefined, min: number, fallback: number) => (value === undefined ? fallback : parseWholeNumbers(flag, value, min, true)[0]!);
  return {
    address: parseQueueUrl(opts.queue!),
    dataRoot: resolve(opts.dataRoot ?? '.'),
    attempts: number('--attempts', opts.attempts, 1, GRID_DEFAULTS.attempts),
    backoffMs: number('--backoff-ms', opts.backoffMs, 0, GRID_DEFAULTS.backoffMs),
    pollMs: GRID_DEFAULTS.pollMs,
  };
}
