import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { Queue } from 'bullmq';
import { jobFor, QUEUE_NAME, QUEUE_PREFIX } from '../../src/grid/jobs.js';
import { ROOT, tempDir } from '../helpers.js';
import { needsRedis, startNer, TestRedis, waitFor, type NerProcess } from './processes.js';

/** A password with URL-special characters; it must appear in no output, file or error. */
const PASSWORD = 'grid-Secret/9!';
const skip = needsRedis();
const redis = new TestRedis(tempDir('ner-redis-'), PASSWORD);
const workers: NerProcess[] = [];
/** Short BullMQ timings, so a dead worker's job is back in the queue within seconds. */
const FAST = ['--lock-ms', '5000', '--stalled-ms', '1000'];

before(async () => {
  if (!skip) await redis.start();
});
/** Kills the workers a test left running (it failed before stopping them), so the next test's jobs are not taken by them. */
async function killLeftWorkers(): Promise<void> {
  const running = workers.filter((w) => w.proc.exitCode === null && w.proc.signalCode === null);
  for (const w of running) w.proc.kill('SIGKILL');
  await Promise.all(running.map((w) => w.exited));
}
afterEach(killLeftWorkers);
after(async () => {
  await killLeftWorkers();
  await redis.stop();
});

/** A 2-setup × 2-seed grid of tiny scratch models on the sample corpus (seconds per run), `extra` setups added. */
function gridConfig(dir: string, base: Record<string, unknown> = {}, extra: Record<string, unknown>[] = []): string {
  const file = join(dir, 'grid.json');
  const data = (f: string) => join(ROOT, 'data', 'sample-en', f);
  writeFileSync(
    file,
    JSON.stringify({
      base: {
        model: 'scratch',
        scratch: { hiddenSize: 16, numLayers: 1, numHeads: 2, intermediateSize: 32, vocabWords: 500, lowercase: true },
        train: data('train.txt'),
        dev: data('dev.txt'),
        test: data('test.txt'),
        epochs: 2,
        batchSize: 32,
        maxLen: 48,
        lstmHidden: 8,
        lr: 0.005,
        headLr: 0.02,
        saveEvery: 5,
        logEvery: 5,
        backend: 'wasm',
        // One replica thread: a run is deterministic, so a queued run must equal the local one.
        workers: 1,
        ...base,
      },
      seeds: [1, 2],
      setups: [{ name: 'adamw', optimizer: 'adamw' }, { name: 'radam', optimizer: 'radam', lr: 0.01 }, ...extra],
    }),
  );
  return file;
}

function worker(workdir: string, ...args: string[]): NerProcess {
  const w = startNer(['worker', '--queue', redis.url, '--workdir', workdir, '--data-root', ROOT, ...FAST, ...args]);
  workers.push(w);
  return w;
}

/** Stops workers (SIGTERM: they finish, here with nothing running) so the next test's jobs are not taken by them. */
async function stopWorkers(...ws: NerProcess[]): Promise<void> {
  for (const w of ws) w.proc.kill('SIGTERM');
  for (const w of ws) assert.equal(await w.exited, 0, w.output());
}

const compare = (config: string, out: string, ...args: string[]) => startNer(['compare', '--config', config, '--out', out, '--queue', redis.url, '--data-root', ROOT, ...args]);

/** "started" lines per job id in workers' output: how often each run was begun. */
function starts(...ws: NerProcess[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const w of ws) for (const m of w.output().matchAll(/: (\S+): started \(/g)) n.set(m[1]!, (n.get(m[1]!) ?? 0) + 1);
  return n;
}

type Run = Record<string, unknown> & { setup: string; seed: number; status: string };
const readRuns = (out: string) => (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { runs: Run[] }).runs;
/** A run without what depends on the machine and the moment: wall time, speed, where it ran. */
function comparable(run: Run): Record<string, unknown> {
  const { wall_seconds: _w, tokens_per_second: _t, host: _h, worker: _k, model_dir: _m, ...rest } = run;
  return { ...rest, epochs: (run.epochs as Record<string, unknown>[]).map(({ tokens_per_second: _s, ...e }) => e) };
}

test('a grid on the queue with 2 workers: every run once, the same results.json as a local ner compare, nothing rerun on a second submit, no password anywhere', { skip }, async () => {
  const dir = tempDir('ner-grid-');
  const config = gridConfig(dir);
  const w1 = worker(join(dir, 'work-1'));
  const w2 = worker(join(dir, 'work-2'));
  const out = join(dir, 'queued');
  const c = compare(config, out, '--json');
  // The same grid locally, at the same time (the runs are deterministic, so sharing the cores changes no number).
  const local = startNer(['compare', '--config', config, '--out', join(dir, 'local'), '--parallel', '1']);
  assert.equal(await c.exited, 0, c.output());
  assert.equal(await local.exited, 0, local.output());
  const queued = readRuns(out);
  assert.deepEqual(queued.map((r) => [r.setup, r.seed, r.status]), [['adamw', 1, 'ok'], ['adamw', 2, 'ok'], ['radam', 1, 'ok'], ['radam', 2, 'ok']]);
  assert.deepEqual(queued.map(comparable), readRuns(join(dir, 'local')).map(comparable), 'same metrics, curves and drift per seed as the local grid');
  assert.ok(queued.some((r) => (r.test as { f1: number }).f1 > 0.2), 'the runs learned something (equal zeros would prove little)');
  for (const r of queued) {
    assert.match(String(r.worker), /\/\d+$/);
    assert.ok(existsSync(join(String(r.model_dir), 'model.safetensors')), `${r.model_dir} holds the model on its worker`);
  }
  for (const f of ['report.md', 'curves.svg']) assert.ok(existsSync(join(out, f)), f);
  const begun = starts(w1, w2);
  assert.deepEqual([...begun.values()], [1, 1, 1, 1], 'each run started exactly once');
  assert.match(c.output(), /: 4 run\(s\) queued, 0 already in the queue/);
  // Submitted again into a fresh folder: every job is found finished in Redis, nothing runs again.
  const again = compare(config, join(dir, 'again'), '--json');
  assert.equal(await again.exited, 0, again.output());
  assert.match(again.output(), /0 run\(s\) queued, 4 already in the queue \(attached\)/);
  assert.deepEqual(readRuns(join(dir, 'again')).map(comparable), queued.map(comparable));
  assert.deepEqual([...starts(w1, w2).values()], [1, 1, 1, 1], 'nothing ran twice');
  // Jobs that break the rules, queued by hand as a hostile client could: refused at once, never retried.
  const queue = new Queue(QUEUE_NAME, { connection: { host: '127.0.0.1', port: redis.port, password: PASSWORD }, prefix: QUEUE_PREFIX });
  try {
    const escaping = jobFor('evil', 1, { train: '../../etc/passwd' });
    const absolute = jobFor('evil', 2, { train: '/etc/passwd' });
    const extraKey = jobFor('evil', 3, { train: 'data/sample-en/train.txt' });
    await queue.add('run', escaping.payload, { jobId: escaping.id, attempts: 3 });
    await queue.add('run', absolute.payload, { jobId: absolute.id, attempts: 3 });
    await queue.add('run', { ...extraKey.payload, exec: 'sh -c id' }, { jobId: extraKey.id, attempts: 3 });
    const failed = async (id: string) => {
      for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
        // Read the job again once it is failed: an object fetched while it was active lacks failedReason.
        if ((await queue.getJobState(id)) === 'failed') return (await queue.getJob(id))!;
      }
      throw new Error(`${id} did not fail`);
    };
    for (const [job, why] of [[escaping, /contains '\.\.'/], [absolute, /outside the worker's --data-root/], [extraKey, /unknown key 'exec'/]] as const) {
      const j = await failed(job.id);
      assert.match(j.failedReason, why);
      assert.equal(j.attemptsMade, 1, 'a refused job is not retried');
    }
  } finally {
    await queue.close();
  }
  // A wrong password: a clear error naming the queue with the password masked.
  const wrong = startNer(['compare', '--config', config, '--out', join(dir, 'wrong'), '--queue', `redis://:not-${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis.port}`, '--data-root', ROOT]);
  assert.equal(await wrong.exited, 1);
  assert.match(wrong.output(), /ner: cannot use the queue at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: .*check the host, port and password/);
  for (const [what, text] of [['compare', c.output()], ['again', again.output()], ['wrong', wrong.output()], ['worker 1', w1.output()], ['worker 2', w2.output()], ['results.json', readFileSync(join(out, 'results.json'), 'utf8')], ['report.md', readFileSync(join(out, 'report.md'), 'utf8')]]) {
    assert.ok(!text.includes(PASSWORD) && !text.includes(encodeURIComponent(PASSWORD)), `${what} shows the password`);
  }
  await stopWorkers(w1, w2);
});

test('faults: a worker killed mid-run, ner compare killed and rerun, Redis restarted mid-grid, a setup that fails — all 4 good runs complete, none twice', { skip }, async () => {
  const dir = tempDir('ner-grid-faults-');
  // Longer runs (a kill must land mid-run) and a setup whose corpus does not exist on the workers: valid settings that fail at run time.
  const config = gridConfig(dir, { epochs: 4 }, [{ name: 'broken', train: join(ROOT, 'data', 'sample-en', 'missing.txt'), seeds: [1] }]);
  const shared = join(dir, 'work');
  const a = worker(shared, '--name', 'a');
  const b = worker(shared, '--name', 'b');
  const out = join(dir, 'out');
  const grid = ['--attempts', '2', '--backoff-ms', '200'];
  const first = compare(config, out, ...grid);
  // Worker a is killed (SIGKILL: no goodbye) once its run has saved a state to resume from.
  await waitFor('worker a to start a run', () => /a: \S+\.(adamw|radam)\.seed-\d: started \(attempt 1 of 2\) in /.test(a.output()));
  const [, killedId, killedDir] = /a: (\S+\.(?:adamw|radam)\.seed-\d): started \(attempt 1 of 2\) in (\S+)/.exec(a.output())!;
  await waitFor('a saved state', () => existsSync(join(killedDir!, 'state', 'trainer.json')));
  a.proc.kill('SIGKILL');
  const c = worker(shared, '--name', 'c');
  // ner compare is killed once a first run has finished, and started again: it attaches to the same jobs.
  await waitFor('a first finished run', () => /test F1/.test(first.output()));
  first.proc.kill('SIGKILL');
  await first.exited;
  const rerun = compare(config, out, ...grid);
  await waitFor('the rerun to attach', () => /already in the queue \(attached\)/.test(rerun.output()));
  // Redis restarts while runs are active (AOF on): what finished before is still there.
  await redis.restart();
  assert.equal(await rerun.exited, 0, rerun.output());
  const runs = readRuns(out);
  assert.deepEqual(runs.map((r) => [r.setup, r.seed, r.status]), [['adamw', 1, 'ok'], ['adamw', 2, 'ok'], ['radam', 1, 'ok'], ['radam', 2, 'ok'], ['broken', 1, 'failed']]);
  assert.match(String(runs[4]!.error), /missing\.txt/);
  assert.match(readFileSync(join(out, 'report.md'), 'utf8'), /## Failed runs\n\n- broken seed 1: .*missing\.txt/);
  // The broken run fails within its 2 attempts; if both were spent before the first compare was
  // killed, the rerun queues it again (a rerun retries failed runs, as locally) for a third.
  const brokenAttempts = /broken seed 1: started on \S+ \(again: attempt 3\)/.test(rerun.output()) ? 3 : 2;
  assert.match(rerun.output(), new RegExp(`broken seed 1: FAILED \\(.*missing\\.txt.*\\) after ${brokenAttempts} attempt\\(s\\)`));
  const begun = starts(a, b, c);
  const killed = killedId!;
  // The killed run began twice (the second time from its saved state, same workdir); the broken one once per attempt; every other run once.
  for (const [id, n] of begun) assert.equal(n, id === killed ? 2 : id.includes('.broken.') ? brokenAttempts : 1, `${id} started ${n} times`);
  assert.equal(begun.size, 5);
  assert.match(b.output() + c.output(), new RegExp(`${killed.replace(/\./g, '\\.')}: started \\(attempt 1 of 2, resuming its saved state\\)`));
  assert.match(rerun.output() + first.output(), /back in the queue \(its worker stopped answering\)|started on [bc] \(again: its previous worker stopped answering\)/);
  assert.doesNotMatch(b.output() + c.output(), /already finished in/, 'no result had to be recovered from a worker folder: Redis kept them all');
  for (const text of [first.output(), rerun.output(), a.output(), b.output(), c.output()]) assert.ok(!text.includes(PASSWORD));
  await stopWorkers(b, c);
});
