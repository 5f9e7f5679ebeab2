import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { selectBackend } from '../src/backend.js';
import { UsageError } from '../src/errors.js';
import { needsShared, ROOT, shared } from './helpers.js';

test('auto picks the first backend that starts and says why it passed over the others', async () => {
  const info = await selectBackend('auto');
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(info.name));
  if (info.name !== 'tensorflow') {
    // Where libtensorflow could not be installed (as on this project's CI), both packages are named with how to get them.
    assert.ok(info.skipped.some((s) => s.startsWith('@tensorflow/tfjs-node-gpu:') && s.includes('npm install @tensorflow/tfjs-node-gpu')), info.skipped.join('; '));
  }
  assert.equal((await selectBackend('cpu')).name, 'cpu');
  assert.equal((await selectBackend('wasm')).name, 'wasm');
});

test('an explicit backend that cannot start is a usage error naming the missing package', async (t) => {
  const info = await selectBackend('auto');
  if (info.name === 'tensorflow') return t.skip('tfjs-node is installed here');
  await assert.rejects(selectBackend('tensorflow'), (e: unknown) => e instanceof UsageError && /--backend tensorflow is not available here: .*tfjs-node-gpu/.test((e as Error).message));
});

test('the package root exports the library API (import { loadEncoder, createOptimizer } from "ner")', { skip: needsShared('models', 'hf-safetensors-tiny') }, () => {
  const script = `
    import { loadEncoder, createOptimizer } from 'ner';
    const enc = await loadEncoder(${JSON.stringify(shared('models', 'hf-safetensors-tiny'))}, { backend: 'cpu', numLayers: 1 });
    const ids = enc.tokenize(['hello world']);
    const hs = await enc.hiddenStates(ids);
    console.log(JSON.stringify({ layers: enc.numLayers, shape: [hs.length, hs[0].length, hs[0][0].length], optimizer: typeof createOptimizer('ranger').applyGradients }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { layers: number; shape: number[]; optimizer: string };
  assert.equal(out.layers, 1);
  assert.equal(out.shape[2], 32);
  assert.equal(out.optimizer, 'function');
});
