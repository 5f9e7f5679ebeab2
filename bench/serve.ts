/**
 * npm run bench:serve: `ner serve` under load on loopback. A zh-bert-L6-H256 + BiLSTM 128 + CRF
 * tagger (one training step: speed does not depend on the weights; or BENCH_MODEL=DIR) labels
 * People's Daily test sentences, first in one batch call (`ner predict`'s throughput) and one at a
 * time (single-sentence compute time), then served and hit by autocannon at concurrency 1, 8 and
 * 32, one sentence per request: sentences/s, p50/p95/p99 latency, batch sizes. Results go to the
 * "serve" key of bench/results.json.   env BENCH_MODEL, BENCH_WORKERS (auto), BENCH_SECONDS (10)
 */
import autocannon from 'autocannon';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, readCorpus, resolveTrainConfig, train, Progress, selectBackend } from '../src/index.js';
import { SERVE_DEFAULTS } from '../src/config/schema.js';
import { startService } from '../src/serve/service.js';

const root = new URL('../../', import.meta.url).pathname;
const shared = join(root, '..', 'shared');
const encoder = join(shared, 'models', 'zh-bert-L6-H256');
const corpora = join(shared, 'data', 'peoples-daily');
const workers = process.env.BENCH_WORKERS ? Number(process.env.BENCH_WORKERS) : null;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const SENTENCES = 1000;
const log = (line: string) => process.stderr.write(line + '\n');

if (!existsSync(corpora) || (!process.env.BENCH_MODEL && !existsSync(encoder))) {
  console.error(`bench:serve: ${corpora} or ${encoder} is absent; the benchmark needs ../shared (or BENCH_MODEL=DIR and the corpus).`);
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'ner-bench-serve-'));
let model = process.env.BENCH_MODEL;
if (!model) {
  model = join(work, 'model');
  log('bench:serve: one training step to get a tagger of the benchmark’s shape…');
  const settings = resolveTrainConfig(undefined, {
    model: encoder, train: join(corpora, 'dev.txt'), dev: join(corpora, 'test.txt'), out: model,
    trainLimit: 32, devLimit: 32, epochs: 1, batchSize: 32, maxLen: 128, backend: 'auto', workers: 1,
  });
  await train(settings, false, { progress: new Progress() });
}
const texts = (await readCorpus(join(corpora, 'test.txt'), 'labelled')).slice(0, SENTENCES).map((s) => s.tokens.join(''));

// The references: `ner predict`'s batch throughput, and one sentence's compute time.
await selectBackend('auto');
const loaded = await loadModel(model, { workers });
const predictor = loaded.predictor(SERVE_DEFAULTS.maxBatch);
let t0 = performance.now();
await predictor.predictTexts(texts);
const batchPerS = SENTENCES / ((performance.now() - t0) / 1000);
const single: number[] = [];
for (const text of texts.slice(0, 50)) {
  t0 = performance.now();
  await predictor.predictTexts([text]);
  single.push(performance.now() - t0);
}
loaded.dispose();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const singleMs = median(single);
log(`batch predict: ${batchPerS.toFixed(1)} sentences/s; one sentence: ${singleMs.toFixed(1)} ms (median of 50)`);

const running = await startService({ ...SERVE_DEFAULTS, model, host: '127.0.0.1', port: 0, workers, backend: 'auto', version: 'bench' });
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function batchSizes(): Promise<{ count: number; sum: number }> {
  const m = await (await fetch(`${running.url}/metrics`)).text();
  return { count: Number(/ner_batch_size_texts_count (\d+)/.exec(m)![1]), sum: Number(/ner_batch_size_texts_sum (\d+)/.exec(m)![1]) };
}

const levels = [];
for (const connections of [1, 8, 32]) {
  const latencies: number[] = [];
  let next = 0;
  const before = await batchSizes();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${running.url}/predict`,
        connections,
        duration: seconds,
        requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ texts: [texts[next++ % texts.length]] }) }) }],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms);
    });
  });
  const after = await batchSizes();
  const level = {
    concurrency: connections,
    sentences_per_s: latencies.length / seconds,
    p50_ms: percentile(latencies, 50),
    p95_ms: percentile(latencies, 95),
    p99_ms: percentile(latencies, 99),
    non_2xx: result.non2xx,
    errors: result.errors,
    mean_batch_size: (after.sum - before.sum) / Math.max(1, after.count - before.count),
  };
  log(`concurrency ${connections}: ${level.sentences_per_s.toFixed(1)} sentences/s, p50 ${level.p50_ms.toFixed(1)} ms, p95 ${level.p95_ms.toFixed(1)} ms, p99 ${level.p99_ms.toFixed(1)} ms, mean batch ${level.mean_batch_size.toFixed(1)} texts, non-2xx ${level.non_2xx}, errors ${level.errors}`);
  levels.push(level);
}
await running.close();
rmSync(work, { recursive: true, force: true });

const c32 = levels.find((l) => l.concurrency === 32)!;
const c1 = levels.find((l) => l.concurrency === 1)!;
const serve = {
  date: new Date().toISOString(),
  about: running.about.replace(/^model \S+,/, 'zh-bert-L6-H256 + BiLSTM 128 + CRF,'),
  sentences: SENTENCES,
  seconds_per_level: seconds,
  batch_predict_sentences_per_s: batchPerS,
  single_sentence_ms: singleMs,
  levels,
  goals: {
    c32_throughput_over_batch: c32.sentences_per_s / batchPerS,
    c32_goal_met: c32.sentences_per_s >= 0.8 * batchPerS,
    c1_p99_over_single: c1.p99_ms / singleMs,
    c1_goal_met: c1.p99_ms <= 2 * singleMs,
  },
};
const file = join(root, 'bench', 'results.json');
const results = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
writeFileSync(file, JSON.stringify({ ...results, serve }, null, 2) + '\n');
console.log(JSON.stringify(serve.goals));
console.log('(bench/results.json, key "serve")');
