import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, runCli, tempDir } from '../helpers.js';

const CONFIG = join(ROOT, 'configs', 'debug-tiny.json');
const work = tempDir('ner-workers-');
const bytes = (dir: string, f: string) => readFileSync(join(dir, f));

test('a replica thread that dies mid-run stops it with a clear message; --resume then ends bit for bit where an uninterrupted 2-worker run does', () => {
  const flags = ['train', '--config', CONFIG, '--workers', '2'];
  const straight = join(work, 'straight');
  const r0 = runCli([...flags, '--out', straight]);
  assert.equal(r0.code, 0, r0.stderr);
  assert.match(r0.stderr, /replicas: 2 \(--workers, gradients summed in replica order\)/);

  const broken = join(work, 'broken');
  // The replica's thread ends at its 8th gradient request (step 8); the last checkpoint is step 5.
  const r1 = runCli([...flags, '--out', broken], { env: { NER_REPLICA_EXIT_AT: '8' } });
  assert.equal(r1.code, 1, r1.stderr);
  assert.match(r1.stderr, /replica thread 1 stopped \(exit code 70\); the run stopped and nothing of this step was applied\. The last checkpoint in .*state is intact: rerun the same command with --resume/);
  assert.doesNotMatch(r1.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(JSON.parse(readFileSync(join(broken, 'state', 'trainer.json'), 'utf8')).step, 5);

  const r2 = runCli([...flags, '--out', broken, '--resume']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /resuming .* at step 5/);
  assert.ok(bytes(broken, 'state/weights.safetensors').equals(bytes(straight, 'state/weights.safetensors')), 'final weights differ');
  assert.ok(bytes(broken, 'model.safetensors').equals(bytes(straight, 'model.safetensors')), 'best models differ');
  assert.equal(JSON.parse(readFileSync(join(straight, 'metrics.json'), 'utf8')).replicas, 2);
});

test('ner predict and ner eval --model give the same output over 2 replica threads as over 1', () => {
  const model = join(work, 'straight');
  const input = join(ROOT, 'data', 'sample-en', 'test.txt');
  const texts = readFileSync(input, 'utf8').split(/\n\s*\n/).slice(0, 40).map((s) => s.split('\n').map((l) => l.split(' ')[0]).join(' ')).join('\n');
  const one = runCli(['predict', '--model', model, '--input', '-', '--workers', '1'], { input: texts });
  const two = runCli(['predict', '--model', model, '--input', '-', '--workers', '2'], { input: texts });
  assert.equal(one.code, 0, one.stderr);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(two.stdout, one.stdout);
  assert.equal(one.stdout.trim().split('\n').length, 40);
  const e1 = runCli(['eval', '--model', model, '--data', input, '--workers', '1', '--json']);
  const e2 = runCli(['eval', '--model', model, '--data', input, '--workers', '2', '--json']);
  assert.equal(e1.code, 0, e1.stderr);
  assert.deepEqual(JSON.parse(e2.stdout), JSON.parse(e1.stdout));
});
