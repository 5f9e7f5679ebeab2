import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { Rng } from '../../src/util/rng.js';
import { ROOT, tempDir } from '../helpers.js';

/**
 * The crash harness: a tiny run (scratch model, data/sample-zh, a state saved after every step)
 * is killed at every one of its file-system changes, at 20 random moments, and twice in a row in
 * the middle of the state swap; every interrupted run is then continued (--resume, or from the
 * start when it died before its first state) and must end byte-identical to an uninterrupted
 * run, with no orphan file left.
 */
const work = tempDir('ner-crash-');
const config = join(work, 'harness.json');
writeFileSync(
  config,
  JSON.stringify({
    model: 'scratch',
    scratch: { hiddenSize: 8, numLayers: 1, numHeads: 2, intermediateSize: 16, vocabWords: 300, lowercase: true },
    train: join(ROOT, 'data', 'sample-zh', 'train.txt'),
    dev: join(ROOT, 'data', 'sample-zh', 'dev.txt'),
    test: join(ROOT, 'data', 'sample-zh', 'test.txt'),
    trainLimit: 24,
    devLimit: 8,
    testLimit: 8,
    batchSize: 8,
    epochs: 2,
    saveEvery: 1,
    logEvery: 1,
    maxLen: 32,
    lstmHidden: 4,
    backend: 'wasm',
    seed: 3,
  }),
);

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function ner(out: string, o: { resume?: boolean; env?: Record<string, string>; killAfterMs?: number; epochs?: number } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const args = ['train', '--config', config, '--out', out, '--epochs', String(o.epochs ?? 2), ...(o.resume ? ['--resume'] : [])];
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ner.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = o.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), o.killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

const hasState = (out: string) => ['state', 'state.old'].some((d) => existsSync(join(out, d, 'trainer.json')));

/** Continues an interrupted run the way a user would, until it completes. */
async function recover(out: string, epochs = 2): Promise<void> {
  const r = await ner(out, { resume: hasState(out), epochs });
  assert.equal(r.code, 0, `${out}: recovery failed: ${r.stderr}`);
}

/** Every file and folder under `dir`, relative. */
function tree(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((f) => {
    const rel = prefix + f;
    return statSync(join(dir, f)).isDirectory() ? [rel + '/', ...tree(join(dir, f), rel + '/')] : [rel];
  }).sort();
}

/** What must be identical: weights, optimizer moments, best model, and the trainer's counters and RNG states. */
function fingerprint(out: string): Record<string, string> {
  const trainer = JSON.parse(readFileSync(join(out, 'state', 'trainer.json'), 'utf8')) as Record<string, unknown>;
  const { history, config: _c, ...counters } = trainer;
  const dev = (history as Record<string, unknown>[]).map((h) => [h.epoch, h.step, h.dev_f1, h.dev_precision, h.dev_recall]);
  const hex = (f: string) => readFileSync(join(out, f)).toString('base64');
  return {
    weights: hex('state/weights.safetensors'),
    optimizer: hex('state/optimizer.safetensors'),
    model: hex('model.safetensors'),
    trainer: JSON.stringify({ counters, dev }),
  };
}

/** Runs `jobs` two at a time (the machine has two cores). */
async function inPairs<T>(items: T[], job: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all([0, 1].map(async () => {
    for (let it = queue.shift(); it !== undefined; it = queue.shift()) await job(it);
  }));
}

describe('crash harness', () => {
  // The kill at every call runs a one-epoch run (3 steps, a state after each, the best model,
  // metrics: every kind of write once) to stay in bounded time; the other kills run two epochs.
  const runs: Record<number, { reference: Record<string, string>; files: string[]; calls: number }> = {};

  before(async () => {
    for (const epochs of [1, 2]) {
      const out = join(work, `reference-${epochs}`);
      const r = await ner(out, { epochs, env: { NER_TEST_COUNT_FS_CALLS: '1' } });
      assert.equal(r.code, 0, r.stderr);
      const files = tree(out);
      assert.ok(!files.some((f) => /tmp|state\.old|lock/.test(f)), `the reference run leaves no temporary files: ${files}`);
      runs[epochs] = { reference: fingerprint(out), files, calls: Number(/fs calls: (\d+)/.exec(r.stderr)![1]) };
    }
  });

  const check = (out: string, what: string, epochs = 2) => {
    assert.deepEqual(tree(out), runs[epochs]!.files, `${what}: no orphan or missing file`);
    assert.deepEqual(fingerprint(out), runs[epochs]!.reference, `${what}: ends byte-identical to the uninterrupted run`);
  };

  test('a kill at every file-system change of a run, then a resume: each ends byte-identical', async () => {
    const { calls } = runs[1]!;
    assert.ok(calls > 25, `${calls} file-system changes`);
    const killed: number[] = [];
    await inPairs(Array.from({ length: calls }, (_, i) => i + 1), async (n) => {
      const out = join(work, `at-${n}`);
      const r = await ner(out, { epochs: 1, env: { NER_TEST_CRASH_AT_FS_CALL: String(n) } });
      assert.equal(r.signal, 'SIGKILL', `fs call ${n}: the injected kill happened (${r.code}: ${r.stderr.slice(-300)})`);
      killed.push(n);
      await recover(out, 1);
      check(out, `killed at fs call ${n}`, 1);
    });
    assert.equal(killed.length, calls);
  });

  test('two crashes in a row inside the state swap (after state → state.old, before the new state is in place)', async () => {
    const out = join(work, 'swap-twice');
    // The 2nd swap of the first process dies with state/ moved aside; the resume dies at its own first swap.
    let r = await ner(out, { env: { NER_TEST_CRASH_AT_FS_CALL: '2@rename state.tmp-' } });
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(!existsSync(join(out, 'state')) && existsSync(join(out, 'state.old', 'trainer.json')), 'killed mid-swap: only state.old holds the state');
    r = await ner(out, { resume: true, env: { NER_TEST_CRASH_AT_FS_CALL: '1@rename state.tmp-' } });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    assert.ok(existsSync(join(out, 'state.old', 'trainer.json')), 'still one complete state after the second crash');
    await recover(out);
    check(out, 'two crashes at the swap');
  });

  test('20 SIGKILLs at random moments (fixed seed), each followed by a resume: each ends byte-identical', async () => {
    const rng = new Rng(2013);
    const delays = Array.from({ length: 20 }, () => 200 + rng.int(2400));
    await inPairs(delays.map((ms, i) => [ms, i] as const), async ([ms, i]) => {
      const out = join(work, `random-${i}`);
      const r = await ner(out, { killAfterMs: ms });
      if (r.code === 0) return check(out, `run ${i} finished before its kill at ${ms} ms`);
      assert.equal(r.signal, 'SIGKILL');
      await recover(out);
      check(out, `killed after ${ms} ms`);
    });
  });
});
