import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { InferenceClient } from '@huggingface/inference';
import { SERVE_DEFAULTS } from '../../src/config/schema.js';
import { startService, type RunningService, type ServeOptions } from '../../src/serve/service.js';
import { ROOT, runCli, tempDir } from '../helpers.js';

const MODEL = join(tempDir('ner-serve-faults-'), 'model');

function options(extra: Partial<ServeOptions> = {}): ServeOptions {
  return { ...SERVE_DEFAULTS, model: MODEL, host: '127.0.0.1', port: 0, workers: 1, backend: 'wasm', version: 'test', ...extra };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, text, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined, headers: r.headers };
}

/** Runs `fn` against a fresh server with these options, then closes it. */
async function withServer(extra: Partial<ServeOptions>, fn: (s: RunningService) => Promise<void>): Promise<void> {
  const s = await startService(options(extra));
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

describe('ner serve: limits and faults', () => {
  let server: RunningService;
  before(async () => {
    // Faults need a model, not a good one: one epoch on 32 sentences.
    const r = runCli(['train', '--config', 'configs/debug-tiny.json', '--out', MODEL, '--epochs', '1', '--train-limit', '32', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    server = await startService(options());
  });
  after(async () => {
    await server?.close();
  });

  test('each bad input gets its status and a JSON error naming the field, never a stack; the server keeps serving', async () => {
    const cases: { route: string; body: unknown; status: number; field?: string; headers?: Record<string, string> }[] = [
      { route: '/predict', body: '{"texts": [', status: 400, field: 'body' },
      { route: '/predict', body: '', status: 400, field: 'body' },
      { route: '/predict', body: new Uint8Array([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d, 0x7d]), status: 400, field: 'body' },
      { route: '/predict', body: { texts: 'one text' }, status: 400, field: 'texts' },
      { route: '/predict', body: { texts: ['ok', 7] }, status: 400, field: 'texts[1]' },
      { route: '/predict', body: { text: ['x'] }, status: 400, field: 'texts' },
      { route: '/predict', body: { texts: ['x'], extra: 1 }, status: 400, field: 'extra' },
      { route: '/predict', body: [1, 2], status: 400, field: 'body' },
      { route: '/', body: { inputs: 5 }, status: 400, field: 'inputs' },
      { route: '/', body: { inputs: 'x', parameters: { aggregation_strategy: 'best' } }, status: 400, field: 'parameters.aggregation_strategy' },
      { route: '/predict', body: 'texts=x', status: 415, headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { route: '/nowhere', body: {}, status: 404 },
    ];
    for (const c of cases) {
      const r = await post(`${server.url}${c.route}`, c.body, c.headers);
      const what = `${c.route} ${JSON.stringify(c.body)}`;
      assert.equal(r.status, c.status, `${what}: ${r.text}`);
      // The Hugging Face route answers errors as that API does: {"error": "message", "error_type"}.
      const error = c.route === '/' ? { message: r.body?.error, field: r.body?.field } : r.body?.error;
      assert.equal(typeof error?.message, 'string', what);
      if (c.field) assert.equal(error.field, c.field, what);
      assert.doesNotMatch(r.text, /\n\s+at |\.js:\d+/, `${what}: no stack trace`);
    }
    assert.equal((await post(`${server.url}/predict`, { texts: ['still here'] })).status, 200);
  });

  test('a body over --body-limit, a text over --max-chars and more texts than --max-queue are refused', async () => {
    await withServer({ bodyLimit: 2000, maxChars: 50, maxQueue: 4 }, async (s) => {
      const big = await post(`${s.url}/predict`, { texts: ['x'.repeat(3000)] });
      assert.equal(big.status, 413, big.text);
      const long = await post(`${s.url}/predict`, { texts: ['x'.repeat(51)] });
      assert.equal(long.status, 400);
      assert.equal(long.body.error.field, 'texts[0]');
      const many = await post(`${s.url}/predict`, { texts: ['a', 'b', 'c', 'd', 'e'] });
      assert.equal(many.status, 413);
      assert.equal((await post(`${s.url}/predict`, { texts: ['a'] })).status, 200);
    });
  });

  test('a full queue answers 429 with Retry-After; the queued request is still answered', async () => {
    await withServer({ maxQueue: 1, maxWaitMs: 400 }, async (s) => {
      const first = post(`${s.url}/predict`, { texts: ['waits for company'] });
      await new Promise((r) => setTimeout(r, 100));
      const refused = await post(`${s.url}/predict`, { texts: ['one too many'] });
      assert.equal(refused.status, 429);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.equal((await first).status, 200);
    });
  });

  test('--api-key: no key or a wrong one is 401; Bearer, X-API-Key and the Hugging Face client’s accessToken pass; probes stay open', async () => {
    await withServer({ apiKey: 'sekret' }, async (s) => {
      assert.equal((await post(`${s.url}/predict`, { texts: ['a'] })).status, 401);
      assert.equal((await post(`${s.url}/predict`, { texts: ['a'] }, { authorization: 'Bearer nope' })).status, 401);
      assert.equal((await fetch(`${s.url}/metrics`)).status, 401);
      assert.equal((await post(`${s.url}/predict`, { texts: ['a'] }, { authorization: 'Bearer sekret' })).status, 200);
      assert.equal((await post(`${s.url}/predict`, { texts: ['a'] }, { 'x-api-key': 'sekret' })).status, 200);
      assert.equal((await fetch(`${s.url}/health`)).status, 200);
      assert.equal((await fetch(`${s.url}/ready`)).status, 200);
      assert.equal((await fetch(`${s.url}/`)).status, 200, 'the page is open: it asks for the key');
      assert.equal((await post(`${s.url}/`, { inputs: 'a' })).status, 401, 'POST / (Hugging Face) is not');
      assert.equal((await fetch(`${s.url}/model`)).status, 401);
      const groups = await new InferenceClient('sekret').tokenClassification({ endpointUrl: s.url, inputs: 'Peter Blackburn in Brussels' });
      assert.ok(Array.isArray(groups));
      await assert.rejects(new InferenceClient('wrong').tokenClassification({ endpointUrl: s.url, inputs: 'x' }), /wrong API key/);
    });
  });

  test('clients that disconnect while queued cost nothing: their texts never run, no tensor is left', async () => {
    await withServer({ maxWaitMs: 300 }, async (s) => {
      const tensors = tf.memory().numTensors;
      const port = Number(new URL(s.url).port);
      await Promise.all(
        Array.from({ length: 10 }, () => new Promise<void>((resolve) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/predict', method: 'POST', headers: { 'content-type': 'application/json' } });
          req.on('error', () => resolve());
          req.end(JSON.stringify({ texts: ['never labelled', 'nor this'] }));
          setTimeout(() => { req.destroy(); resolve(); }, 50);
        })),
      );
      await new Promise((r) => setTimeout(r, 500));
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      assert.match(metrics, /ner_queue_depth_texts 0\n/);
      assert.match(metrics, /ner_texts_total 0\n/, 'no text of a gone client was labelled');
      assert.equal(tf.memory().numTensors, tensors);
      assert.equal((await post(`${s.url}/predict`, { texts: ['after'] })).status, 200);
    });
  });

  test('/openapi.json describes every route', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/predict', '/', '/health', '/ready', '/metrics', '/openapi.json']) assert.ok(doc.paths[p], p);
  });

  test('SIGTERM: the CLI stops accepting, finishes the requests in flight (over 2 replica threads) and exits 0', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'ner.js'), 'serve', '--model', MODEL, '--port', '0', '--workers', '2', '--max-wait-ms', '300', '--backend', 'wasm'], { cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /ready at (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited before it was ready: ${stderr}`)));
    });
    const inFlight = Array.from({ length: 8 }, (_, i) => post(`${url}/predict`, { texts: [`request ${i} in Brussels`, 'EU rejects German call'] }));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200), stderr);
    assert.equal(answers[3]!.body[0].text, 'request 3 in Brussels');
    assert.equal(await exited, 0, stderr);
    await assert.rejects(fetch(`${url}/health`), 'no longer accepting');
  });
});
