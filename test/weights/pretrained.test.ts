import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadEncoder } from '../../src/encoder.js';
import { InputError, RuntimeFailure, UsageError } from '../../src/errors.js';
import { loadPretrained } from '../../src/weights/pretrained.js';
import { encodeSafetensors, parseSafetensors } from '../../src/weights/safetensors.js';
import { needsShared, shared, tempDir } from '../helpers.js';

const TINY = 'hf-safetensors-tiny';

/** A copy of the tiny checkpoint whose weights went through `edit`. */
function editedCopy(edit: (w: Map<string, { shape: number[]; values: Float32Array }>) => void): string {
  const src = shared('models', TINY)!;
  const dir = tempDir();
  for (const f of readdirSync(src)) copyFileSync(join(src, f), join(dir, f));
  const w = parseSafetensors(readFileSync(join(src, 'model.safetensors'))).weights;
  edit(w);
  writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(w));
  return dir;
}

describe('checkpoint key report and folder errors', () => {
  test('missing, unexpected and shape-mismatched keys are reported by name', { skip: needsShared('models') }, async () => {
    const missing = await loadEncoder(editedCopy((w) => w.delete('encoder.layer.1.output.dense.bias')));
    assert.deepEqual(missing.report.missing, ['encoder.layer.1.output.dense.bias']);
    missing.dispose();
    const extra = await loadEncoder(editedCopy((w) => w.set('decoder.weight', { shape: [1], values: new Float32Array(1) })));
    assert.deepEqual(extra.report.unexpected, ['decoder.weight']);
    extra.dispose();
    const prefixed = await loadEncoder(editedCopy((w) => [...w.keys()].forEach((k) => (w.set(`bert.${k}`, w.get(k)!), w.delete(k)))));
    assert.deepEqual(prefixed.report.missing, [], 'names with the bert. prefix load too');
    prefixed.dispose();
    await assert.rejects(
      loadEncoder(editedCopy((w) => w.set('embeddings.LayerNorm.bias', { shape: [3], values: new Float32Array(3) }))),
      (e: unknown) => e instanceof UsageError && /embeddings\.LayerNorm\.bias \[3\] \(expected \[32\]\)/.test((e as Error).message),
    );
  });

  test('a folder that is not a model says what it expected and what it found', { skip: needsShared('models') }, async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'notes.txt'), 'x');
    await assert.rejects(loadPretrained(dir), (e: unknown) => e instanceof InputError && /expected config\.json with model\.safetensors .* found notes\.txt/.test((e as Error).message));
    await assert.rejects(loadPretrained(join(dir, 'no/such/thing/../..x')), InputError);
  });
});

describe('hub ids: downloaded once into the cache, then offline', () => {
  let server: Server | undefined;
  let requests = 0;
  const saved = { endpoint: process.env.HF_ENDPOINT, cache: process.env.NER_CACHE };
  const cache = tempDir('ner-cache-');

  before(async () => {
    if (needsShared('models', TINY)) return;
    // A loopback stand-in for the hub's resolve endpoint: /<repo>/resolve/<rev>/<file>, with Range support.
    const src = shared('models', TINY)!;
    server = createServer((req, res) => {
      requests++;
      const m = /^\/test-org\/tiny-bert\/resolve\/main\/([^/?]+)/.exec(req.url ?? '');
      const file = m ? join(src, m[1]!) : undefined;
      if (!file || !existsSync(file)) {
        res.writeHead(404, { 'X-Error-Code': 'EntryNotFound' }).end();
        return;
      }
      const size = statSync(file).size;
      const body = readFileSync(file);
      const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
      const headers = { ETag: '"tiny"', 'Accept-Ranges': 'bytes' };
      if (range) {
        const start = Number(range[1]);
        const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
        res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1 }).end(body.subarray(start, end + 1));
      } else {
        res.writeHead(200, { ...headers, 'Content-Length': size }).end(body);
      }
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    process.env.HF_ENDPOINT = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
    process.env.NER_CACHE = cache;
  });

  after(() => {
    server?.close();
    if (saved.endpoint === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved.endpoint;
    if (saved.cache === undefined) delete process.env.NER_CACHE;
    else process.env.NER_CACHE = saved.cache;
  });

  test('first use downloads config, weights and tokenizer files into NER_CACHE', { skip: needsShared('models', TINY) }, async () => {
    const pre = await loadPretrained('test-org/tiny-bert');
    assert.equal(pre.dir, join(cache, 'hub', 'test-org', 'tiny-bert', 'main'));
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) assert.ok(existsSync(join(pre.dir, f)), f);
    assert.equal(pre.encoder.size, 37);
    assert.ok(requests > 0);
  });

  test('second use reads the cache without a request, and works with the hub unreachable', { skip: needsShared('models', TINY) }, async () => {
    const before = requests;
    process.env.HF_ENDPOINT = 'http://127.0.0.1:9'; // nothing listens there
    const enc = await loadEncoder('test-org/tiny-bert');
    assert.equal(requests, before);
    const ref = JSON.parse(readFileSync(shared('models', TINY, 'reference_outputs.json')!, 'utf8')) as { input_ids: number[][]; attention_mask: number[][]; last_hidden_state: number[][][] };
    const hs = await enc.hiddenStates([ref.input_ids[0]!], [ref.attention_mask[0]!]);
    assert.ok(Math.abs(hs[0]![1]![3]! - ref.last_hidden_state[0]![1]![3]!) < 1e-4);
    enc.dispose();
  });

  test('offline without a cached copy fails naming the files it needs and where to put them', { skip: needsShared('models', TINY) }, async () => {
    process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
    await assert.rejects(loadPretrained('test-org/never-seen'), (e: unknown) => {
      const msg = (e as Error).message;
      return e instanceof RuntimeFailure && /cannot download test-org\/never-seen/.test(msg) && /config\.json; model\.safetensors or pytorch_model\.bin; tokenizer\.json or vocab\.txt/.test(msg) && msg.includes(join(cache, 'hub', 'test-org', 'never-seen', 'main'));
    });
  });
});
