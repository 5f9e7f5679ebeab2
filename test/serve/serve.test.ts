import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { InferenceClient } from '@huggingface/inference';
import { PNG } from 'pngjs';
import { SERVE_DEFAULTS } from '../../src/config/schema.js';
import { startService, type RunningService, type ServeOptions } from '../../src/serve/service.js';
import { ROOT, runCli, tempDir } from '../helpers.js';

/** 50 sentences of the sample test set as raw text lines (tokens joined by spaces). */
const SENTENCES = readFileSync(join(ROOT, 'data', 'sample-en', 'test.txt'), 'utf8')
  .split(/\n\s*\n/)
  .map((block) => block.split('\n').filter(Boolean).map((l) => l.split(' ')[0]).join(' '))
  .filter(Boolean)
  .slice(0, 50);

const MODEL = join(tempDir('ner-serve-'), 'model');

function options(extra: Partial<ServeOptions> = {}): ServeOptions {
  return { ...SERVE_DEFAULTS, model: MODEL, host: '127.0.0.1', port: 0, workers: 1, backend: 'wasm', version: 'test', ...extra };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: r.headers };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(' ')[1]);
}

describe('ner serve (tiny model trained here)', () => {
  let server: RunningService;
  let url: string;
  before(() => {
    // Two short epochs at a high rate: a model that finds entities, in about ten seconds.
    const r = runCli(['train', '--config', 'configs/debug-tiny.json', '--out', MODEL, '--epochs', '2', '--lr', '0.02', '--head-lr', '0.05', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
  });
  before(async () => {
    server = await startService(options());
    url = server.url;
  });
  after(async () => {
    await server?.close();
  });

  test('POST /predict answers what `ner predict --format jsonl` writes for the same 50 sentences, each sent as its own concurrent request', async () => {
    const input = join(tempDir(), 'in.txt');
    writeFileSync(input, SENTENCES.join('\n') + '\n');
    const cli = runCli(['predict', '--model', MODEL, '--input', input, '--workers', '1']);
    assert.equal(cli.code, 0, cli.stderr);
    const expected = cli.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(expected.some((p) => p.entities.length > 0), 'the tiny model finds entities, so the comparison is not vacuous');
    const answers = await Promise.all(SENTENCES.map((s) => post(`${url}/predict`, { texts: [s] })));
    assert.deepEqual(answers.map((a) => a.status), SENTENCES.map(() => 200));
    assert.deepEqual(answers.map((a) => a.body[0]), expected);
    const whole = await post(`${url}/predict`, { texts: SENTENCES });
    assert.deepEqual(whole.body, expected, 'one request with all 50 gives the same');
  });

  test('the @huggingface/inference client’s tokenClassification({ endpointUrl, inputs }) round-trips', async () => {
    const predicted = (await post(`${url}/predict`, { texts: SENTENCES })).body as { text: string; entities: unknown[] }[];
    const ours = predicted.find((p) => p.entities.length >= 2)!;
    const text = ours.text;
    const client = new InferenceClient();
    const groups = await client.tokenClassification({ endpointUrl: url, inputs: text });
    assert.deepEqual(
      groups.map((g) => ({ type: g.entity_group, start: g.start, end: g.end, text: g.word, score: Math.round(g.score * 1e4) / 1e4 })),
      ours.entities,
    );
    const none = await post(url, { inputs: [text], parameters: { aggregation_strategy: 'none' } });
    assert.equal(none.status, 200);
    for (const t of none.body[0]) {
      assert.match(t.entity, /^[BI]-/, 'per-word labels, O left out as transformers does');
      assert.equal(text.slice(t.start, t.end), t.word);
    }
  });

  test('--workers 1 still labels on a replica thread: the event loop answers /health at once while a large batch is labelled', async (t) => {
    // One gathered batch of 4,096 texts: labelled on the event loop, it would block it throughout (the predictor's awaits are microtasks).
    const s = await startService(options({ workers: 1, maxBatch: 4096, maxQueue: 4096 }));
    try {
      assert.equal(s.replicas, 1);
      const body = JSON.stringify({ texts: Array.from({ length: 4096 }, (_, i) => SENTENCES[i % SENTENCES.length]!) });
      assert.equal((await post(`${s.url}/predict`, { texts: SENTENCES.slice(0, 4) })).status, 200, 'warm-up');
      const delay = monitorEventLoopDelay({ resolution: 5 });
      delay.enable();
      const started = performance.now();
      let done = false;
      const big = post(`${s.url}/predict`, body).finally(() => (done = true));
      const probes: number[] = [];
      while (!done) {
        const t = performance.now();
        assert.equal((await fetch(`${s.url}/health`)).status, 200);
        probes.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 10));
      }
      const took = performance.now() - started;
      delay.disable();
      const answer = await big;
      assert.equal(answer.status, 200);
      assert.equal(answer.body.length, 4096);
      const worst = Math.max(...probes);
      const stalled = delay.max / 1e6;
      const what = `the batch took ${took.toFixed(0)} ms; ${probes.length} /health probes, slowest ${worst.toFixed(0)} ms; event loop delay max ${stalled.toFixed(0)} ms`;
      t.diagnostic(what);
      assert.ok(took > 500 && probes.length >= 10, `the batch takes long enough for the check to mean something: ${what}`);
      assert.ok(worst < took / 4 && stalled < took / 4, `the event loop was never blocked for a large part of the decode: ${what}`);
    } finally {
      await s.close();
    }
  });

  test('2,000 requests at concurrency 32: only deliberate 429s (queue of 8), batches form, no tensor leaks', async () => {
    const small = await startService(options({ maxQueue: 8 }));
    try {
      const tensors = tf.memory().numTensors;
      const everywhere = await metric(small.url, 'ner_tf_tensors');
      const statuses = new Map<number, number>();
      let next = 0;
      let retryAfterMissing = 0;
      const client = async () => {
        while (next < 2000) {
          const i = next++;
          const r = await post(`${small.url}/predict`, { texts: [SENTENCES[i % SENTENCES.length]!] });
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 429 && !r.headers.get('retry-after')) retryAfterMissing++;
        }
      };
      await Promise.all(Array.from({ length: 32 }, client));
      assert.deepEqual([...statuses.keys()].filter((s) => s !== 200 && s !== 429), [], JSON.stringify([...statuses]));
      assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(429) ?? 0) > 0, JSON.stringify([...statuses]));
      assert.equal(retryAfterMissing, 0, 'every 429 says when to retry');
      assert.equal(tf.memory().numTensors, tensors, 'tensor count back to its start');
      assert.equal(await metric(small.url, 'ner_tf_tensors'), everywhere, 'and in the replica threads (/metrics counts main and replica threads)');
      const metrics = await (await fetch(`${small.url}/metrics`)).text();
      const batches = Number(/ner_batch_size_texts_count (\d+)/.exec(metrics)![1]);
      assert.ok(batches < (statuses.get(200) ?? 0), `requests were gathered: ${batches} batches for ${statuses.get(200)} answered`);
      assert.match(metrics, /ner_http_requests_total\{route="\/predict",status="200"\} \d+/);
      assert.match(metrics, /ner_http_request_duration_seconds_bucket\{le="0.1",route="\/predict"\}/);
      assert.match(metrics, /ner_queue_depth_texts 0/);
      assert.match(metrics, /ner_texts_per_second \d/);
    } finally {
      await small.close();
    }
  });
});

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

describe('ner serve: the web page in headless Chromium', { skip: existsSync(CHROMIUM) ? false : `skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM=path)` }, () => {
  test('typing a sentence highlights the entities /predict finds, coloured by type, with legend, JSON and model card', async () => {
    const { chromium } = await import('playwright-core');
    const s = await startService(options());
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
      await page.goto(s.url);
      await page.waitForSelector('#legend .swatch');
      const predicted = (await post(`${s.url}/predict`, { texts: SENTENCES })).body as { text: string; entities: { type: string; text: string }[] }[];
      const sentence = predicted.find((p) => p.entities.length >= 2)!;
      await page.fill('#text', sentence.text);
      await page.waitForSelector('#output mark');
      const marks = await page.$$eval('#output mark', (ms) => ms.map((m) => ({ text: m.firstChild!.textContent, type: m.getAttribute('data-type'), title: m.getAttribute('title'), colour: (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(m).backgroundColor })));
      assert.deepEqual(marks.map((m) => ({ type: m.type, text: m.text })), sentence.entities.map((e) => ({ type: e.type, text: e.text })));
      for (const m of marks) assert.match(m.title!, new RegExp(`^${m.type} \\d\\.\\d{4}$`), 'the score on hover');
      const byType = new Map(marks.map((m) => [m.type, m.colour]));
      assert.equal(new Set(byType.values()).size, byType.size, 'one colour per type');
      const legend = await page.$$eval('#legend .swatch', (ss) => ss.map((x) => x.textContent));
      assert.ok(marks.every((m) => legend.includes(m.type)), `legend ${legend.join(' ')}`);
      assert.deepEqual(JSON.parse((await page.textContent('#json'))!), [sentence]);
      assert.match((await page.textContent('#card'))!, /labels.*B-PER/s);
      const shot = PNG.sync.read(await page.locator('#output').screenshot({ path: join(tempDir(), 'page.png') }));
      const [r, g, b] = /rgb\((\d+), (\d+), (\d+)\)/.exec(marks[0]!.colour)!.slice(1).map(Number);
      let coloured = 0;
      for (let i = 0; i < shot.data.length; i += 4) if (shot.data[i] === r && shot.data[i + 1] === g && shot.data[i + 2] === b) coloured++;
      assert.ok(coloured > 100, `the screenshot shows the highlight colour (${coloured} pixels)`);
    } finally {
      await browser.close();
      await s.close();
    }
  });
});
