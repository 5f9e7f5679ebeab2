import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ROOT, runCli, tempDir } from '../helpers.js';

/** Nothing a user owns is destroyed: outputs never overwrite inputs or foreign folders; one run per folder. */
const CONFIG = join(ROOT, 'configs', 'debug-tiny.json');
const TINY = ['--config', CONFIG, '--train-limit', '64', '--dev-limit', '16', '--test-limit', '16'];
const work = tempDir('ner-reliability-');
const model = join(work, 'model');

const waitFor = async (cond: () => boolean, ms = 60_000) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return cond();
};

before(() => {
  const r = runCli(['train', ...TINY, '--epochs', '1', '--out', model]);
  assert.equal(r.code, 0, r.stderr);
});

describe('outputs never overwrite inputs', () => {
  test('predict --output = --input (or a symlink to it) exits 2 and leaves the input unchanged', () => {
    const input = join(work, 'in.txt');
    writeFileSync(input, 'John Smith visited London.\n');
    const link = join(work, 'in-link.txt');
    symlinkSync(input, link);
    for (const output of [input, link, join(work, '.', 'in.txt')]) {
      const r = runCli(['predict', '--model', model, '--input', input, '--output', output]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--output .* is the input .*in\.txt; nothing was written/);
      assert.equal(readFileSync(input, 'utf8'), 'John Smith visited London.\n');
    }
  });

  test('eval --output = --data, or a file of the model folder, exits 2; both unchanged', () => {
    const data = join(work, 'data.txt');
    writeFileSync(data, readFileSync(join(ROOT, 'data', 'sample-en', 'test.txt'), 'utf8').split('\n\n').slice(0, 3).join('\n\n') + '\n');
    const before = readFileSync(data);
    const config = readFileSync(join(model, 'config.json'));
    for (const output of [data, join(model, 'config.json')]) {
      const r = runCli(['eval', '--model', model, '--data', data, '--output', output]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /is the input/);
    }
    assert.ok(readFileSync(data).equals(before));
    assert.ok(readFileSync(join(model, 'config.json')).equals(config));
  });
});

test('error text shows control bytes from the input escaped, never raw (ESC, NUL)', () => {
  const file = join(work, 'esc.txt');
  writeFileSync(file, 'EU B-ORG O\nx B\u001b[2J\u0000X O\n');
  const r = runCli(['eval', '--predictions', file]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /\\x1b\[2J\\x00/);
  assert.ok(!/[\u0000\u001b]/.test(r.stderr), 'no raw control byte reaches the terminal');
});

describe('train --out', () => {
  test('a non-empty folder that is not an ner run (a Hugging Face model) exits 2 naming what is there; nothing changes', () => {
    const hf = join(work, 'hf');
    mkdirSync(hf);
    const files = { 'config.json': '{"model_type":"bert"}', 'pytorch_model.bin': 'weights', 'vocab.txt': '[PAD]\n' };
    for (const [f, c] of Object.entries(files)) writeFileSync(join(hf, f), c);
    const r = runCli(['train', ...TINY, '--out', hf]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--out .*hf is not empty and is not an ner run \(it holds .*config\.json.*pytorch_model\.bin/);
    assert.deepEqual(readdirSync(hf).sort(), Object.keys(files).sort());
    for (const [f, c] of Object.entries(files)) assert.equal(readFileSync(join(hf, f), 'utf8'), c);
  });

  test('an --out that cannot be created (/proc, under a file) exits 2 at once, before reading any data', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    for (const out of ['/proc/ner-test/x', join(file, 'sub')]) {
      const t0 = Date.now();
      const r = runCli(['train', ...TINY, '--out', out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--out .*(cannot create|is a file)/);
      assert.ok(Date.now() - t0 < 15_000, 'no hang');
    }
  });

  test('a run that fails before saving anything leaves no empty --out behind', () => {
    const bad = join(work, 'bad.txt');
    writeFileSync(bad, 'EU B_ORG\n');
    const out = join(work, 'new', 'nested', 'out');
    const r = runCli(['train', ...TINY, '--train', bad, '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(!existsSync(join(work, 'new')), 'the folders it created are gone');
  });

  test('two concurrent runs on one --out: the second exits 2 "in use by pid N"; a stale lock is taken over', async () => {
    const out = join(work, 'busy');
    // Enough epochs that the first run is still training (and holding the lock) when it is killed,
    // however fast the machine and its kernels are.
    const first = spawn(process.execPath, [join(ROOT, 'bin', 'ner.js'), 'train', ...TINY, '--epochs', '10000', '--out', out], { cwd: ROOT, stdio: 'ignore' });
    try {
      assert.ok(await waitFor(() => existsSync(join(out, '.ner-lock'))), 'the first run took the lock');
      const second = runCli(['train', ...TINY, '--out', out]);
      assert.equal(second.code, 2, second.stderr);
      assert.match(second.stderr, new RegExp(`in use by pid ${first.pid}`));
      const resumed = runCli(['train', ...TINY, '--epochs', '10000', '--out', out, '--resume']);
      assert.equal(resumed.code, 2, 'a resume is refused too');
      const grid = join(work, 'grid');
      mkdirSync(grid);
      writeFileSync(join(grid, '.ner-lock'), JSON.stringify({ pid: first.pid, host: hostname(), started: 'now' }));
      const compare = runCli(['compare', '--config', join(ROOT, 'configs', 'compare-optimizers.json'), '--out', grid]);
      assert.equal(compare.code, 2, compare.stderr);
      assert.match(compare.stderr, new RegExp(`in use by pid ${first.pid}`));
    } finally {
      if (first.exitCode === null && first.signalCode === null) {
        const exited = new Promise((r) => first.on('exit', r));
        first.kill('SIGKILL');
        await exited;
      }
    }
    // The first run died holding the lock: the next run takes it over, says so, and resumes.
    const takeover = runCli(['train', ...TINY, '--epochs', '1', '--out', out, ...(existsSync(join(out, 'state')) ? ['--resume'] : [])]);
    assert.equal(takeover.code, 0, takeover.stderr);
    assert.match(takeover.stderr, new RegExp(`taking over .*\\.ner-lock: pid ${first.pid} that held it is no longer running`));
    assert.ok(!existsSync(join(out, '.ner-lock')), 'released at the end');
  });

  test('a torn last line of train_log.jsonl is cut on resume; a finished run is extended by more epochs', () => {
    const out = join(work, 'torn');
    assert.equal(runCli(['train', ...TINY, '--epochs', '1', '--out', out]).code, 0);
    appendFileSync(join(out, 'train_log.jsonl'), '{"type":"step","st');
    const r = runCli(['train', ...TINY, '--epochs', '2', '--lr', '0.002', '--out', out, '--resume']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cut the torn last line/);
    assert.match(r.stderr, /resuming with changed settings: .*epochs 1 → 2/);
    assert.match(r.stderr, /resuming with changed settings: .*lr 0\.005 → 0\.002/);
    const lines = readFileSync(join(out, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; epoch: number });
    assert.deepEqual(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch), [1, 2], 'epoch 2 ran');
    const refused = runCli(['train', ...TINY, '--epochs', '2', '--batch-size', '8', '--out', out, '--resume']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /these differ: batchSize \(a resume may change only lr, headLr, clipNorm, epochs, patience, logEvery, evalEvery, saveEvery/);
  });

  test('SIGINT / SIGTERM stop after the current step: state saved, where it stopped and the exact --resume command, exit 130 / 143', async () => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const out = join(work, `signal-${signal}`);
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'ner.js'), 'train', ...TINY, '--epochs', '3', '--batch-size', '4', '--save-every', '1', '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      assert.ok(await waitFor(() => existsSync(join(out, 'state', 'trainer.json'))), 'training started');
      child.kill(signal);
      const exit = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      assert.equal(exit, code, stderr);
      const m = new RegExp(`stopped by ${signal} at step (\\d+) \\(epoch \\d+, batch \\d+/\\d+\\); the state is saved in \\S+\\. Continue with: (ner train .* --resume)`).exec(stderr);
      assert.ok(m, stderr);
      assert.equal(JSON.parse(readFileSync(join(out, 'state', 'trainer.json'), 'utf8')).step, Number(m[1]), 'the state saved is where it says it stopped');
      assert.ok(!existsSync(join(out, '.ner-lock')), 'the lock is released');
      const resume = runCli(m[2]!.split(' ').slice(1));
      assert.equal(resume.code, 0, resume.stderr);
      assert.match(resume.stderr, new RegExp(`resuming .* at step ${m[1]} `));
    }
  });

  test('writes never follow a symlink out of --out', () => {
    const out = join(work, 'links');
    assert.equal(runCli(['train', ...TINY, '--epochs', '1', '--out', out]).code, 0);
    const outside = join(work, 'outside.txt');
    writeFileSync(outside, 'precious');
    // metrics.json is replaced by an atomic rename (the link goes, the target stays); the log refuses to append through a link.
    for (const f of ['metrics.json', 'train_log.jsonl']) {
      unlinkSync(join(out, f));
      symlinkSync(outside, join(out, f));
    }
    const r = runCli(['train', ...TINY, '--epochs', '2', '--out', out, '--resume']);
    assert.equal(readFileSync(outside, 'utf8'), 'precious', 'the file outside --out is untouched');
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /train_log\.jsonl failed: it is a symbolic link/);
  });
});
